using Microsoft.AspNetCore.Authorization;

namespace Portcullis.Security;

/// <summary>The request's connector accepts this caller: it is anonymous, or the token was validated for it.</summary>
internal sealed class ConnectorAccessRequirement : IAuthorizationRequirement
{
    public const string PolicyName = "connector";
}
