using System.Security.Claims;

namespace Portcullis.Core.Security;

/// <summary>Reads the caller's identity from a validated token's claims: its subject is the claim <c>identity.subject_claim</c> names.</summary>
public static class CallerIdentities
{
    public static CallerIdentity From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return CallerIdentity.Anonymous;
        }

        // The token's identity names its subject under identity.subject_claim (its name claim), and the token checks
        // refuse a token without one. Never a stand-in such as "unknown": all such callers would be one principal,
        // sharing idempotency keys and budgets, and one another's calls would be each one's own call under review.
        var subject = user.Identity is ClaimsIdentity { Name: { Length: > 0 } name }
            ? name
            : throw new InvalidOperationException("An authenticated caller without a subject: the token checks must refuse such a token.");
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
