using System.CommandLine;
using Portcullis.Core.Configuration;

namespace Portcullis.Cli;

/// <summary><c>portcullis lint</c>: checks a configuration and reports every error, without serving.</summary>
internal static class LintCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config();
        var command = new Command("lint", "Check a configuration file and report every error with its JSON path.") { config };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(config)!;
            if (ConfigErrors.TryLoad(file, new ConfigOverrides(), Console.Error) is null)
            {
                return ConfigErrors.ExitCode;
            }

            Console.Out.WriteLine($"{file.Name}: OK");
            return 0;
        });
        return command;
    }
}
