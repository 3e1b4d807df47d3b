using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Portcullis.Core.Configuration;
using Portcullis.Core.Security;

namespace Portcullis.Admin;

/// <summary>
/// The audience admin tokens must carry, <c>{admin base}/admin</c>. Known once the listener is bound: when
/// <c>admin.listen</c> asks for port 0 (and no <c>public_url</c> names the base), the base is the address bound.
/// </summary>
internal sealed class AdminAudience(GatewayConfig config, IServer server)
{
    private string? _base;

    public string Value => Base + "/admin";

    /// <summary>The admin plane's base URL: <c>admin.public_url</c>, else <c>admin.listen</c>, with port 0 the address bound.</summary>
    public string Base => _base ??= ComputeBase();

    private string ComputeBase()
    {
        if (config.Admin.PublicUrl is null && Uri.TryCreate(config.Admin.Listen, UriKind.Absolute, out var listen) && listen.Port == 0
            && server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } bound)
        {
            return bound.TrimEnd('/');
        }

        return AdminUris.BaseUrl(config);
    }
}
