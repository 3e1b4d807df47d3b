using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Portcullis.Samples.Conformance;

/// <summary>Accepts a new logging level and confirms it with a log message.</summary>
internal static class LoggingLevels
{
    public static async ValueTask<EmptyResult> SetAsync(RequestContext<SetLevelRequestParams> context, CancellationToken cancellationToken)
    {
        await context.Server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams { Level = LoggingLevel.Info, Logger = "conformance", Data = JsonSerializer.SerializeToElement($"Log level set to: {context.Params?.Level}") },
            cancellationToken: cancellationToken);
        return new EmptyResult();
    }
}
