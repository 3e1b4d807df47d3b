namespace Portcullis.Diagnostics;

/// <summary>Log events of DNS-rebinding protection and protocol pass-through: 2400–2499.</summary>
internal static partial class GatewayLog
{
}
