namespace Portcullis.Core.Relay;

/// <summary>The upstream said a resource does not exist; answered downstream in the client's own dialect.</summary>
internal sealed class ResourceMissingException : Exception
{
    public ResourceMissingException()
        : base("The upstream has no such resource.")
    {
    }
}
