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

        // RFC 9068's scope claim when the token has one, else the scp some providers use instead: never both, so a
        // second claim (one a provider fills from something else, such as a user attribute) cannot add scopes.
        var granted = user.FindAll("scope").ToList();
        foreach (var claim in granted.Count > 0 ? granted : user.FindAll("scp"))
        {
            scopes.UnionWith(claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        return new CallerIdentity(subject, clientId, scopes);
    }
}
