namespace Portcullis.Core.Diagnostics;

/// <summary>Finds the exception that says what happened inside the wrappers (HTTP, the MCP SDK, aggregates) around it.</summary>
internal static class ExceptionChain
{
    public static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }

            if (e is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(Find<T>).FirstOrDefault(f => f is not null);
            }
        }

        return null;
    }
}
