using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Review;

/// <summary>
/// One gateway for the review tests: the sample CRM behind oauth with <c>delete_contact</c> under review, each
/// connector with its own CRM database (the witness): <c>crm</c> reviewer mode, <c>crm-brief</c> reviewer mode
/// expiring in 2 s, <c>crm-confirm</c> caller mode (<c>add_note</c> too), <c>crm-fallback</c> caller mode falling back
/// to a reviewer; note bodies redacted in the audit trail (<c>audit.redact</c>); the development identity; the admin
/// plane on a free port.
/// </summary>
public sealed class ReviewGateway : IAsyncLifetime
{
    public const string Scopes = "contacts:read,contacts:delete,notes:write";

    private readonly TempDir _dir = new();

    internal GatewayProcess Gateway { get; private set; } = null!;

    internal AdminPlane Admin { get; private set; } = null!;

    /// <summary>The review webhook; its first delivery fails, so what arrives came by a retry.</summary>
    internal WebhookReceiver Webhook { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Webhook = await WebhookReceiver.StartAsync(failFirst: 1);
        var config = TestConfig.Gateway(
            Crm("crm", new JsonObject { ["required"] = true, ["mode"] = "reviewer" }),
            Crm("crm-brief", new JsonObject { ["required"] = true, ["mode"] = "reviewer", ["expires_seconds"] = 2 }),
            Crm("crm-confirm", new JsonObject { ["required"] = true, ["mode"] = "caller" }, reviewNotes: true),
            Crm("crm-fallback", new JsonObject { ["required"] = true, ["mode"] = "caller", ["fallback_to_reviewer"] = true }));
        config["identity"] = new JsonObject { ["dev"] = true };
        config["review"] = new JsonObject { ["notify_url"] = Webhook.Url };
        config["audit"] = new JsonObject { ["redact"] = new JsonArray("body") };
        Gateway = await GatewayProcess.StartAsync(TestConfig.Write(_dir, config), _dir.File("data"), extraArgs: AdminPlane.ServeArgs);
        Admin = await AdminPlane.OfAsync(Gateway);
    }

    /// <summary>A token for <paramref name="connector"/> with every scope its tools need, for <paramref name="subject"/>.</summary>
    internal Task<string> AgentTokenAsync(string connector, string subject) => PortcullisCli.DevTokenAsync(Gateway, connector, Scopes, subject);

    /// <summary>Whether the connector's CRM database still has the contact: the upstream's own record.</summary>
    internal bool ContactExists(string connector, string contactId) => Count(connector, "SELECT COUNT(*) FROM contacts WHERE id = $value", contactId) == 1;

    /// <summary>How many notes with <paramref name="body"/> the connector's CRM database holds: the upstream's own record.</summary>
    internal long NoteCount(string connector, string body) => Count(connector, "SELECT COUNT(*) FROM notes WHERE body = $value", body);

    private long Count(string connector, string sql, string value)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(Gateway.DataDir, connector + ".db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$value", value);
        return (long)command.ExecuteScalar()!;
    }

    private static JsonObject Crm(string server, JsonObject review, bool reviewNotes = false)
    {
        var tools = new JsonObject
        {
            ["find_contact"] = TestConfig.Tool(["contacts:read"]),
            ["delete_contact"] = new JsonObject
            {
                ["scopes"] = new JsonArray("contacts:delete"),
                ["allow_destructive"] = true,
                ["review"] = review,
            },
        };
        if (reviewNotes)
        {
            tools["add_note"] = new JsonObject { ["scopes"] = new JsonArray("notes:write"), ["review"] = review.DeepClone() };
        }

        var connector = TestConfig.CrmConnector(server, tools, reviewNotes ? ["find_contact", "delete_contact", "add_note"] : ["find_contact", "delete_contact"]);
        connector["upstream"]!["args"] = new JsonArray(RepoPaths.Crm, "--db", "{data_dir}/" + server + ".db");
        return TestConfig.Protect(connector, ["contacts:read", "contacts:delete", "notes:write"]);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Webhook.DisposeAsync();
        _dir.Dispose();
    }
}
