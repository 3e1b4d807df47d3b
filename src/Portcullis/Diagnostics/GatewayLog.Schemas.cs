namespace Portcullis.Diagnostics;

/// <summary>Schema and payload-limit events of the executable: ids 2200–2299.</summary>
internal static partial class GatewayLog
{
}
