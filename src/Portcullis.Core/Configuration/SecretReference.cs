namespace Portcullis.Core.Configuration;

/// <summary>A reference to a secret kept outside the config: <c>env:NAME</c> or <c>file:PATH</c>.</summary>
public sealed record SecretReference(string Kind, string Target)
{
    public static bool LooksLikeReference(string value) =>
        value.StartsWith("env:", StringComparison.Ordinal) || value.StartsWith("file:", StringComparison.Ordinal);

    public static bool TryParse(string value, out SecretReference reference)
    {
        reference = null!;
        if (value.StartsWith("env:", StringComparison.Ordinal) && value.Length > 4)
        {
            reference = new SecretReference("env", value[4..]);
            return true;
        }

        if (value.StartsWith("file:", StringComparison.Ordinal) && value.Length > 5)
        {
            reference = new SecretReference("file", value[5..]);
            return true;
        }

        return false;
    }

    /// <summary>Reads the secret now; files are read each time so rotation needs no restart.</summary>
    public string? Resolve(string baseDirectory) => Resolve(baseDirectory, out _);

    /// <summary>
    /// Reads the secret now; null or empty when there is none, with <paramref name="absence"/> saying why (never the
    /// value).
    /// </summary>
    public string? Resolve(string baseDirectory, out string absence)
    {
        if (Kind == "file")
        {
            return SecretFile.Read(Path.IsPathRooted(Target) ? Target : Path.Combine(baseDirectory, Target), out absence);
        }

        var value = System.Environment.GetEnvironmentVariable(Target);
        absence = value is null ? $"the variable {Target} is unset"
            : value.Length == 0 ? $"the variable {Target} is empty"
            : string.IsNullOrWhiteSpace(value) ? $"the variable {Target} holds only white space"
            : "";
        return value;
    }

    /// <summary>Never prints the secret, only where it lives.</summary>
    public override string ToString() => $"{Kind}:{Target}";
}
