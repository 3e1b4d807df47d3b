namespace Portcullis.Refusals;

/// <summary>Left on a request whose refusal <see cref="HttpRefusals"/> has recorded, so nothing records it twice.</summary>
internal sealed class RefusalRecorded
{
    public static readonly RefusalRecorded Instance = new();

    private RefusalRecorded()
    {
    }
}
