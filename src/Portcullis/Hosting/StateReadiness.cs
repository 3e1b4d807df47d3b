namespace Portcullis.Hosting;

/// <summary>Whether the state store has been made ready (schema, recovery, clock); <c>/readyz</c> reports it.</summary>
internal sealed class StateReadiness
{
    private volatile bool _ready;

    public bool IsReady => _ready;

    public void MarkReady() => _ready = true;
}
