using System.CommandLine;
using Portcullis.Core.Configuration;
using Portcullis.Core.Lint;
using Portcullis.Core.Pins;

namespace Portcullis.Cli;

/// <summary>
/// <c>portcullis lint</c>: the hardening report. Every error <c>serve</c> would refuse, then every loose setting the
/// reference article's hardened column would not have, checked against the config, its lock file and (unless
/// <c>--offline</c>) each upstream's live tools.
/// </summary>
internal static class LintCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var dataDir = CommonOptions.DataDir();
        var listen = new Option<string?>("--listen", "-l") { Description = "The URL serve will be started with (serve --listen), if it overrides the config: what is allowed depends on it." };
        var adminListen = new Option<string?>("--admin-listen") { Description = "The admin URL serve will be started with (serve --admin-listen), if it overrides the config: what is allowed depends on it." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (the shape is in docs/lint.md)." };
        var strict = new Option<bool>("--strict") { Description = "Exit 1 when any warning is found (errors always exit 2)." };
        var offline = new Option<bool>("--offline") { Description = "Check the config and lock file only; do not connect to the upstreams." };
        var command = new Command("lint", "Report what serve would refuse and what is loose: auth, scopes, credentials, schemas, limits, pins. See docs/lint.md.")
        {
            config, dataDir, listen, adminListen, json, strict, offline,
        };
        command.SetAction((parse, cancellationToken) => Interruptible.RunAsync("no report was made", async cancellationToken =>
        {
            var file = parse.GetValue(config)!;
            var read = ConfigLoader.ReadFile(file.FullName, new ConfigOverrides(parse.GetValue(listen), parse.GetValue(dataDir), parse.GetValue(adminListen)));
            var pins = read.Config is { } loaded ? LockFileReader.Read(LockFile.PathFor(loaded)) : null;
            IReadOnlyDictionary<string, LiveCatalog>? live = null;
            string? skipped = null;
            if (parse.GetValue(offline))
            {
                skipped = "--offline";
            }
            else if (!read.IsValid)
            {
                skipped = "the configuration has errors";
            }
            else
            {
                try
                {
                    Directory.CreateDirectory(read.Config!.DataDir!);
                }
                catch (Exception ex) when (DataDirProblems.Is(ex))
                {
                    return DataDirProblems.Report(read.Config!.DataDir!, ex);
                }

                live = await LiveCatalogReader.ReadAsync(read.Config, cancellationToken);
            }

            var report = Linter.Check(new LintInput(read, pins, live, skipped));
            var exit = report.ExitCode(parse.GetValue(strict));
            if (parse.GetValue(json))
            {
                LintJson.Write(Console.Out, file.ToString(), pins, report, exit);
            }
            else
            {
                LintText.Write(Console.Out, file.ToString(), pins, report);
            }

            return exit;
        }, cancellationToken));
        return command;
    }
}
