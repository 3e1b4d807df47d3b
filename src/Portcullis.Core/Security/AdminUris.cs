using Portcullis.Core.Configuration;

namespace Portcullis.Core.Security;

/// <summary>The admin plane's addresses and the audience its tokens must carry.</summary>
public static class AdminUris
{
    /// <summary>The base URL operators reach the admin plane at: <c>admin.public_url</c>, else <c>admin.listen</c>.</summary>
    public static string BaseUrl(GatewayConfig config) =>
        (config.Admin.PublicUrl ?? config.Admin.Listen ?? throw new InvalidOperationException("The admin plane is not configured.")).TrimEnd('/');

    /// <summary>The audience of admin tokens: <c>{admin base}/admin</c>.</summary>
    public static string Audience(GatewayConfig config) => BaseUrl(config) + "/admin";
}
