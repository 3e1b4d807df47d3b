using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portcullis.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP receiver in the test process (real Kestrel on loopback, port 0): accepts
/// <c>ExportTraceServiceRequest</c> protobuf at <c>/v1/traces</c> and keeps each span's ids, name and string attributes,
/// read from the wire format with Google.Protobuf's reader.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in Decode(body.ToArray()))
            {
                receiver.Spans.Enqueue(span);
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/metrics", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    public async Task<ReceivedSpan> WaitForAsync(Func<ReceivedSpan, bool> match, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (Spans.FirstOrDefault(match) is { } span)
            {
                return span;
            }

            try
            {
                await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No matching span arrived; received: {string.Join(", ", Spans.Select(s => s.Name))}");
            }
        }
    }

    /// <summary>ExportTraceServiceRequest → ResourceSpans (1) → ScopeSpans (2) → Span (2).</summary>
    private static IEnumerable<ReceivedSpan> Decode(byte[] request) =>
        Fields(request, 1).SelectMany(resource => Fields(resource, 2)).SelectMany(scope => Fields(scope, 2)).Select(DecodeSpan);

    private static ReceivedSpan DecodeSpan(byte[] span)
    {
        string traceId = "", spanId = "", parentId = "", name = "";
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var input = new CodedInputStream(span);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: traceId = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                case 2: spanId = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                case 4: parentId = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                case 5: name = input.ReadString(); break;
                case 9:
                    var (key, value) = DecodeAttribute(input.ReadBytes().ToByteArray());
                    if (value is not null)
                    {
                        attributes[key] = value;
                    }

                    break;
                default: input.SkipLastField(); break;
            }
        }

        return new ReceivedSpan(traceId, spanId, parentId, name, attributes);
    }

    /// <summary>KeyValue: key (1), AnyValue (2) whose string_value is field 1 and bool_value field 2.</summary>
    private static (string Key, string? Value) DecodeAttribute(byte[] keyValue)
    {
        var key = "";
        string? value = null;
        var input = new CodedInputStream(keyValue);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                key = input.ReadString();
            }
            else if (WireFormat.GetTagFieldNumber(tag) == 2)
            {
                var any = new CodedInputStream(input.ReadBytes().ToByteArray());
                uint anyTag;
                while ((anyTag = any.ReadTag()) != 0)
                {
                    switch (WireFormat.GetTagFieldNumber(anyTag))
                    {
                        case 1: value = any.ReadString(); break;
                        case 2: value = any.ReadBool() ? "true" : "false"; break;
                        default: any.SkipLastField(); break;
                    }
                }
            }
            else
            {
                input.SkipLastField();
            }
        }

        return (key, value);
    }

    /// <summary>Every length-delimited field numbered <paramref name="number"/> of a message.</summary>
    private static IEnumerable<byte[]> Fields(byte[] message, int number)
    {
        var input = new CodedInputStream(message);
        var found = new List<byte[]>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A span as the receiver decoded it: hex ids, name, and its string and boolean attributes.</summary>
internal sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);
