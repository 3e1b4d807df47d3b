namespace Portcullis.Core.Audit;

/// <summary>A filter value an audit query cannot take: the filter's name as the admin API spells it, the value, and what it takes instead.</summary>
public sealed record AuditFilterProblem(string Filter, string Value, string Message);
