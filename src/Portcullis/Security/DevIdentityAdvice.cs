using Portcullis.Core.Configuration;

namespace Portcullis.Security;

/// <summary>
/// What a client meeting the development identity is told: it issues no tokens over OAuth, and how to mint one instead.
/// Plain ASCII without double quotes or backslashes, so it also fits an OAuth <c>error_description</c>.
/// </summary>
internal static class DevIdentityAdvice
{
    /// <summary>The sentence naming the <c>portcullis token</c> command for <paramref name="server"/> (or any oauth connector when null).</summary>
    public static string HowToGetAToken(GatewayConfig config, string? server)
    {
        var oauth = config.Connectors.Where(c => !c.Auth.IsAnonymous).ToList();
        var target = oauth.FirstOrDefault(c => string.Equals(c.Server, server, StringComparison.Ordinal)) ?? (oauth.Count == 1 ? oauth[0] : null);
        var connector = target?.Server ?? "NAME";
        var scopes = target is { Auth.Scopes.Count: > 0 } ? string.Join(',', target.Auth.Scopes) : "SCOPES";
        var others = target is null && oauth.Count > 0 ? $" (connectors: {string.Join(", ", oauth.Select(c => c.Server))})" : "";
        return "This gateway runs its development identity (identity.dev), which issues tokens on the command line only, not over OAuth:"
            + $" mint one with 'portcullis token --config {config.Source} --connector {connector} --scopes {scopes}'{others}"
            + " (add serve's --listen and --data-dir if you gave them) and send it as the header 'Authorization: Bearer <token>'.";
    }
}
