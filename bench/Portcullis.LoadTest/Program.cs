using System.Globalization;
using Portcullis.LoadTest;

// portcullis-load compare [--clients 32] [--seconds 10] [--warmup 3] [--memory-clients 1000] [--out FILE]
// Runs every row of the comparison on this machine in one go and prints the table (and writes it to FILE).
var clients = Int(args, "--clients", 32);
var seconds = Int(args, "--seconds", 10);
var warmup = Int(args, "--warmup", 3);
var memoryClients = Int(args, "--memory-clients", 1000);
var output = Value(args, "--out");

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var table = await new Compare(clients, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(warmup), memoryClients).RunAsync(cancel.Token);
Console.WriteLine(table);
if (output is not null)
{
    await File.WriteAllTextAsync(output, table);
}

return 0;

static string? Value(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static int Int(string[] args, string name, int fallback) =>
    int.TryParse(Value(args, name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
