using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using Portcullis.Admin;
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
        var connector = new Option<string?>("--connector") { Description = "The connector the token is for (its server name); or use --admin." };
        var admin = new Option<bool>("--admin") { Description = "A token for the admin plane (audience {admin base}/admin), such as --admin --scopes portcullis:admin." };
        var adminListen = new Option<string?>("--admin-listen") { Description = "The admin URL the gateway was started with (serve --admin-listen), if it overrides the config." };
        var scopes = new Option<string>("--scopes") { Description = "Comma-separated scopes, such as contacts:read,notes:write.", Required = true };
        var ttl = new Option<int?>("--ttl") { Description = "Lifetime in seconds (default: the connector's token_ttl_seconds).", CustomParser = TtlSeconds };
        var environment = new Option<string?>("--environment") { Description = "The environment claim (default: the connector's environment)." };
        var audience = new Option<string?>("--audience") { Description = "The audience (default: the connector's resource URI)." };
        var subject = new Option<string>("--subject") { Description = "The subject (sub claim, and identity.subject_claim when another).", DefaultValueFactory = _ => "dev-user" };
        // The gateway refuses a token without a subject, with one it cannot key state by, or one already expired: say so
        // here instead of minting it.
        subject.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrEmpty(value))
            {
                result.AddError("--subject must not be empty: the gateway refuses a token without a subject.");
            }
            else if (value.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || value.Contains('\u007f', StringComparison.Ordinal))
            {
                result.AddError("--subject must not hold a control character: the gateway refuses such a subject.");
            }
            else if (Encoding.UTF8.GetByteCount(value) is var bytes and > TokenIdentityChecks.MaxIdentityBytes)
            {
                result.AddError($"--subject is {bytes} bytes in UTF-8; the gateway refuses a subject over {TokenIdentityChecks.MaxIdentityBytes}.");
            }
        });
        var command = new Command("token", "Print an access token from the development identity (identity.dev); the token is the last line.")
        {
            config, dataDir, listen, connector, admin, adminListen, scopes, ttl, environment, audience, subject,
        };
        command.SetAction(parse =>
        {
            var loaded = ConfigErrors.TryLoad(parse.GetValue(config)!, new ConfigOverrides(parse.GetValue(listen), parse.GetValue(dataDir), parse.GetValue(adminListen)), Console.Error);
            if (loaded is null)
            {
                return ConfigErrors.ExitCode;
            }

            if (!loaded.Identity.Dev)
            {
                Console.Error.WriteLine("token needs the development identity: set \"identity\": { \"dev\": true } (loopback only). With a real identity provider, get tokens from it.");
                return ConfigErrors.ExitCode;
            }

            if (IsPortZero(ResourceUris.BaseUrl(loaded)))
            {
                Console.Error.WriteLine("The gateway listens on port 0, so its address is known only once it runs: pass --listen with the URL it logged (\"Portcullis is listening on …\").");
                return ConfigErrors.ExitCode;
            }

            var granted = parse.GetValue(scopes)!.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var issuer = ResourceUris.BaseUrl(loaded);
            string aud, env;
            TimeSpan lifetime;
            IReadOnlyCollection<string> known;
            var name = parse.GetValue(connector);
            if (parse.GetValue(admin))
            {
                if (name is not null || loaded.Admin.Listen is null)
                {
                    Console.Error.WriteLine(name is not null
                        ? "Give either --admin or --connector, not both."
                        : "The config has no admin plane: set \"admin\": { \"listen\": \"http://127.0.0.1:9090\" } or pass --admin-listen.");
                    return ConfigErrors.ExitCode;
                }

                if (parse.GetValue(audience) is null && IsPortZero(AdminUris.BaseUrl(loaded)))
                {
                    Console.Error.WriteLine("The admin plane listens on port 0, so its address is known only once it runs: pass --admin-listen with the URL it logged (\"Admin plane listening on …\").");
                    return ConfigErrors.ExitCode;
                }

                aud = parse.GetValue(audience) ?? AdminUris.Audience(loaded);
                env = parse.GetValue(environment) ?? loaded.Environment;
                lifetime = TimeSpan.FromSeconds(parse.GetValue(ttl) ?? loaded.Admin.TokenTtlSeconds);
                known = [AdminScopes.Admin, AdminScopes.Review];
            }
            else
            {
                var target = loaded.Connectors.FirstOrDefault(c => string.Equals(c.Server, name, StringComparison.Ordinal));
                if (target is null)
                {
                    Console.Error.WriteLine(name is null
                        ? "Name the connector the token is for (--connector), or ask for an admin token (--admin)."
                        : $"No connector is named '{name}'; the config has: {string.Join(", ", loaded.Connectors.Select(c => c.Server))}.");
                    return ConfigErrors.ExitCode;
                }

                aud = parse.GetValue(audience) ?? ResourceUris.For(loaded, target.Server);
                env = parse.GetValue(environment) ?? target.Environment;
                lifetime = TimeSpan.FromSeconds(parse.GetValue(ttl) ?? target.Auth.TokenTtlSeconds);
                known = target.Auth.Scopes;
            }

            // A token without scopes opens nothing (every allow-listed tool needs one): "--scopes ''" is more likely an
            // unset shell variable than a wish, and minting it would only show later as an empty tools/list.
            if (granted.Length == 0)
            {
                Console.Error.WriteLine($"--scopes names no scope: a token without scopes opens no tool. Name at least one, comma-separated ({(known.Count == 0 ? "this " + (parse.GetValue(admin) ? "admin plane" : "connector") + " grants none" : "granted here: " + string.Join(",", known))}).");
                return ConfigErrors.ExitCode;
            }

            // Minted all the same (a token for a scope the config will grant later is legitimate), but a typo would
            // otherwise only show as tools missing from the list.
            foreach (var unknown in granted.Where(g => !known.Contains(g, StringComparer.Ordinal)))
            {
                Console.Error.WriteLine($"warning: '{unknown}' is not a scope this {(parse.GetValue(admin) ? "admin plane" : "connector")} grants ({(known.Count == 0 ? "it grants none" : string.Join(", ", known))}); it gives nothing.");
            }

            DevSigningKey key;
            try
            {
                // The signing key is created in the data dir, or read from it (a file only the service's user may read).
                key = DevSigningKey.LoadOrCreate(loaded.DataDir!);
            }
            catch (Exception ex) when (DataDirProblems.Is(ex))
            {
                return DataDirProblems.Report(loaded.DataDir!, ex);
            }
            catch (ConfigException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return ConfigErrors.ExitCode;
            }

            var token = DevTokens.Mint(key, issuer, aud, parse.GetValue(subject)!, loaded.Identity.SubjectClaim, loaded.Identity.EnvironmentClaim, env, granted, lifetime, TimeProvider.System.GetUtcNow());

            Console.Out.WriteLine($"# issuer {issuer}, audience {aud}");
            Console.Out.WriteLine($"# subject {parse.GetValue(subject)}, environment {env}, scopes {string.Join(' ', granted)}, valid {lifetime.TotalSeconds:0} s");
            Console.Out.WriteLine(token);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// A whole number of seconds, at least 1 (the gateway refuses a token already expired). Parsed here, not checked
    /// after System.CommandLine's conversion: a check that read a value it could not convert threw a stack trace.
    /// </summary>
    private static int? TtlSeconds(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            result.AddError($"--ttl '{text}': give a whole number of seconds, such as 3600.");
            return null;
        }

        if (seconds <= 0)
        {
            result.AddError("--ttl must be at least 1 second.");
            return null;
        }

        return seconds;
    }

    private static bool IsPortZero(string url) => Uri.TryCreate(url, UriKind.Absolute, out var parsed) && parsed.Port == 0;
}
