using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Portcullis.Core.Configuration;
using Portcullis.Core.Security;

namespace Portcullis.Security;

/// <summary>
/// The identity provider's signing keys, held once for the whole gateway: the MCP listener and the admin plane check
/// tokens against the same <see cref="ProviderKeys"/>, so keys fetched for either are in hand for both, and a key the
/// provider withdrew is dropped for both by the same fetch. Null with the development identity (its own key) or no provider.
/// </summary>
internal sealed class IdentityKeys(GatewayConfig config, TimeProvider time, ILoggerFactory loggers)
{
    private readonly Lazy<ProviderKeys?> _keys = new(() => Create(config, time, loggers));

    public ProviderKeys? Keys => _keys.Value;

    private static ProviderKeys? Create(GatewayConfig config, TimeProvider time, ILoggerFactory loggers)
    {
        var identity = config.Identity;
        if (identity.Dev)
        {
            return null;
        }

        if (identity.JwksUri is not null)
        {
            return new ProviderKeys(identity.JwksUri, new JwksRetriever(), time, loggers.CreateLogger<ProviderKeys>());
        }

        return identity.Authority is null
            ? null
            : new ProviderKeys(identity.Authority.TrimEnd('/') + "/.well-known/openid-configuration", new OpenIdConnectConfigurationRetriever(), time,
                loggers.CreateLogger<ProviderKeys>());
    }
}
