using System.Security.Claims;

namespace Portcullis.Core.Security;

/// <summary>Reads the caller's identity from a validated token's claims.</summary>
public static class CallerIdentities
{
    public static CallerIdentity From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return CallerIdentity.Anonymous;
        }

        var subject = user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "unknown";
        var clientId = user.FindFirst("client_id")?.Value ?? user.FindFirst("azp")?.Value;
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in user.FindAll("scope").Concat(user.FindAll("scp")))
        {
            scopes.UnionWith(claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        return new CallerIdentity(subject, clientId, scopes);
    }
}
