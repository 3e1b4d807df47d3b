using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Portcullis.Samples.Crm;

/// <summary>
/// The CRM's tools. Their input schemas are deliberately loose (free strings, no limits), as many real
/// servers are; the gateway's config does the hardening. Annotations tell the truth.
/// </summary>
[McpServerToolType]
internal sealed class CrmTools(CrmDatabase database, TimeProvider time)
{
    [McpServerTool(Name = "find_contact", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Find CRM contacts whose name or email contains the query.")]
    public FindContactResult FindContact([Description("Part of a name or an email address.")] string query)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, email FROM contacts WHERE name LIKE $q OR email LIKE $q ORDER BY name";
        command.Parameters.AddWithValue("$q", "%" + query + "%");
        using var reader = command.ExecuteReader();
        var contacts = new List<Contact>();
        while (reader.Read())
        {
            contacts.Add(new Contact(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return new FindContactResult(contacts);
    }

    [McpServerTool(Name = "list_notes", ReadOnly = true, Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("List the notes attached to a contact, oldest first.")]
    public ListNotesResult ListNotes([Description("The contact's id.")] string contact_id)
    {
        using var connection = database.Open();
        RequireContact(connection, contact_id);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, body, visibility, created_at FROM notes WHERE contact_id = $c ORDER BY id";
        command.Parameters.AddWithValue("$c", contact_id);
        using var reader = command.ExecuteReader();
        var notes = new List<Note>();
        while (reader.Read())
        {
            notes.Add(new Note(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return new ListNotesResult(notes);
    }

    [McpServerTool(Name = "add_note", ReadOnly = false, Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true)]
    [Description("Attach a note to a CRM contact.")]
    public AddNoteResult AddNote(
        [Description("The contact's id.")] string contact_id,
        [Description("The note's text.")] string body,
        [Description("Who may see the note.")] string? visibility = null)
    {
        using var connection = database.Open();
        RequireContact(connection, contact_id);
        var createdAt = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO notes (contact_id, body, visibility, created_at) VALUES ($c, $b, $v, $t) RETURNING id";
        command.Parameters.AddWithValue("$c", contact_id);
        command.Parameters.AddWithValue("$b", body);
        command.Parameters.AddWithValue("$v", visibility ?? "internal");
        command.Parameters.AddWithValue("$t", createdAt);
        var id = (long)command.ExecuteScalar()!;
        return new AddNoteResult(new Note(id, body, visibility ?? "internal", createdAt));
    }

    [McpServerTool(Name = "delete_contact", ReadOnly = false, Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description("Delete a contact and all of its notes.")]
    public string DeleteContact([Description("The contact's id.")] string contact_id)
    {
        using var connection = database.Open();
        RequireContact(connection, contact_id);
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM contacts WHERE id = $c";
        command.Parameters.AddWithValue("$c", contact_id);
        command.ExecuteNonQuery();
        return $"Deleted contact {contact_id}.";
    }

    private static void RequireContact(SqliteConnection connection, string contactId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM contacts WHERE id = $c";
        command.Parameters.AddWithValue("$c", contactId);
        if (command.ExecuteScalar() is null)
        {
            // The SDK turns this into a tool result with isError: true, the tool's own answer.
            throw new McpException($"No contact has the id '{contactId}'.");
        }
    }
}

internal sealed record Contact(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("email")] string Email);

internal sealed record Note(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("body")] string Body,
    [property: JsonPropertyName("visibility")] string Visibility,
    [property: JsonPropertyName("created_at")] string CreatedAt);

internal sealed record FindContactResult([property: JsonPropertyName("contacts")] IReadOnlyList<Contact> Contacts);

internal sealed record ListNotesResult([property: JsonPropertyName("notes")] IReadOnlyList<Note> Notes);

internal sealed record AddNoteResult([property: JsonPropertyName("note")] Note Note);
