using System.CommandLine;
using Portcullis.Core.Configuration;
using Portcullis.Core.Security;
using Portcullis.Security;

namespace Portcullis.Cli;

/// <summary><c>portcullis token</c>: mints a token from the embedded development issuer; the token is the last line.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDir();
        var listen = new Option<string?>("--listen", "-l") { Description = "The URL the gateway was started with (serve --listen), if it overrides the config; sets issuer and audience." };
        var connector = new Option<string>("--connector") { Description = "The connector the token is for (its server name).", Required = true };
        var scopes = new Option<string>("--scopes") { Description = "Comma-separated scopes, such as contacts:read,notes:write.", Required = true };
        var ttl = new Option<int?>("--ttl") { Description = "Lifetime in seconds (default: the connector's token_ttl_seconds)." };
        var environment = new Option<string?>("--environment") { Description = "The environment claim (default: the connector's environment)." };
        var audience = new Option<string?>("--audience") { Description = "The audience (default: the connector's resource URI)." };
        var subject = new Option<string>("--subject") { Description = "The subject (sub claim).", DefaultValueFactory = _ => "dev-user" };
        var command = new Command("token", "Print an access token from the development identity (identity.dev); the token is the last line.")
        {
            config, dataDir, listen, connector, scopes, ttl, environment, audience, subject,
        };
        command.SetAction(parse =>
        {
            var loaded = ConfigErrors.TryLoad(parse.GetValue(config)!, new ConfigOverrides(parse.GetValue(listen), parse.GetValue(dataDir)), Console.Error);
            if (loaded is null)
            {
                return ConfigErrors.ExitCode;
            }

            if (!loaded.Identity.Dev)
            {
                Console.Error.WriteLine("token needs the development identity: set \"identity\": { \"dev\": true } (loopback only). With a real identity provider, get tokens from it.");
                return ConfigErrors.ExitCode;
            }

            if (Uri.TryCreate(ResourceUris.BaseUrl(loaded), UriKind.Absolute, out var baseUrl) && baseUrl.Port == 0)
            {
                Console.Error.WriteLine("The gateway listens on port 0, so its address is known only once it runs: pass --listen with the URL it logged (\"Portcullis is listening on …\").");
                return ConfigErrors.ExitCode;
            }

            var name = parse.GetValue(connector)!;
            var target = loaded.Connectors.FirstOrDefault(c => string.Equals(c.Server, name, StringComparison.Ordinal));
            if (target is null)
            {
                Console.Error.WriteLine($"No connector is named '{name}'; the config has: {string.Join(", ", loaded.Connectors.Select(c => c.Server))}.");
                return ConfigErrors.ExitCode;
            }

            var granted = parse.GetValue(scopes)!.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var lifetime = TimeSpan.FromSeconds(parse.GetValue(ttl) ?? target.Auth.TokenTtlSeconds);
            var issuer = ResourceUris.BaseUrl(loaded);
            var aud = parse.GetValue(audience) ?? ResourceUris.For(loaded, target.Server);
            var env = parse.GetValue(environment) ?? target.Environment;
            var key = DevSigningKey.LoadOrCreate(loaded.DataDir!);
            var token = DevTokens.Mint(key, issuer, aud, parse.GetValue(subject)!, loaded.Identity.EnvironmentClaim, env, granted, lifetime, TimeProvider.System.GetUtcNow());

            Console.Out.WriteLine($"# issuer {issuer}, audience {aud}");
            Console.Out.WriteLine($"# subject {parse.GetValue(subject)}, environment {env}, scopes {string.Join(' ', granted)}, valid {lifetime.TotalSeconds:0} s");
            Console.Out.WriteLine(token);
            return 0;
        });
        return command;
    }
}
