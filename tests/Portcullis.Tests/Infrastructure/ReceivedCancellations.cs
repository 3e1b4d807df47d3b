namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// The ids (as JSON text) of the tools/call requests an HTTP fixture received and of those it was told were cancelled, and
/// how many of those notifications it held unanswered (its <c>cancelled_hang</c> mode).
/// </summary>
internal sealed record ReceivedCancellations(string[] Calls, string[] Cancelled, int Held);
