namespace Portcullis.LoadTest;

/// <summary>How long a row was loaded after its warm-up until its process was warm, and whether it got there in time.</summary>
internal sealed record Settling(TimeSpan Spent, bool Warm)
{
    public override string ToString() =>
        (Warm ? "" : "not warm after ") + Spent.TotalSeconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " s";
}
