namespace Portcullis.Core.Idempotency;

/// <summary>What one idempotency key is unique within: environment, connector, principal, tool and the key itself.</summary>
public sealed record IdempotencyScope(string Environment, string Connector, string Principal, string Tool, string Key);
