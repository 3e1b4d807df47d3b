namespace Portcullis.Core.Pipeline;

/// <summary>The security stages a call has passed; the forwarder requires all of <see cref="AllSecurity"/>.</summary>
[Flags]
public enum PassedStages
{
    None = 0,
    Authorized = 1,
    Validated = 2,
    IdempotencyChecked = 4,
    AllSecurity = Authorized | Validated | IdempotencyChecked,
}
