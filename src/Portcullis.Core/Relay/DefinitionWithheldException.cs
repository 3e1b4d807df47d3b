using Portcullis.Core.Errors;

namespace Portcullis.Core.Relay;

/// <summary>Thrown inside a forward when pins withhold the resource or prompt asked for: answered with its envelope, nothing sent.</summary>
internal sealed class DefinitionWithheldException : Exception
{
    public DefinitionWithheldException(GatewayError error)
        : base(error.Message)
    {
        Error = error;
    }

    public GatewayError Error { get; }
}
