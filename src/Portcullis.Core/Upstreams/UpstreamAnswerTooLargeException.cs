namespace Portcullis.Core.Upstreams;

/// <summary>
/// An upstream's answer to one request passed <c>limits.max_result_bytes</c>: it is dropped, never parsed whole,
/// stored or passed on. Not an outage (the same request gets the same answer), so never a reason to retry.
/// </summary>
/// <remarks>Deliberately not an <see cref="IOException"/>: the MCP SDK takes those for a dropped stream and would resume it.</remarks>
internal sealed class UpstreamAnswerTooLargeException : Exception
{
    public UpstreamAnswerTooLargeException(long limit)
        : base($"The upstream's answer is larger than the {limit} bytes accepted (limits.max_result_bytes).")
    {
        Limit = limit;
    }

    /// <summary>A list read a page at a time passed the limit: one of its pages, or all of them together.</summary>
    public UpstreamAnswerTooLargeException(long limit, AnswerTooLargeList list, string message)
        : base(message)
    {
        Limit = limit;
        List = list;
    }

    public UpstreamAnswerTooLargeException()
        : this(Configuration.ConfigDefaults.MaxResultBytes)
    {
    }

    public UpstreamAnswerTooLargeException(string message)
        : base(message)
    {
    }

    public UpstreamAnswerTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The limit that was passed, in bytes.</summary>
    public long Limit { get; } = Configuration.ConfigDefaults.MaxResultBytes;

    /// <summary>For a list read a page at a time, what passed the limit; null for any other answer.</summary>
    public AnswerTooLargeList? List { get; }
}

/// <summary>What of a list read a page at a time passed <c>limits.max_result_bytes</c>.</summary>
internal enum AnswerTooLargeList
{
    /// <summary>One page.</summary>
    Page,

    /// <summary>All pages together, or more pages than are read.</summary>
    Whole,
}
