namespace Herd.Gateway.Ledger.Outbox;

/// <summary>
/// What the outbox knows of a request it admitted and that has not ended yet: enough to record it
/// if the gateway serving it stops before it ends (see <see cref="AbandonedRequestSweeper"/>).
/// </summary>
public sealed record OpenRequest
{
    public required string RequestId { get; init; }

    /// <summary>The gateway serving the request; while it is alive the request is its own to close.</summary>
    public required string GatewayId { get; init; }

    public string? ClientRequestId { get; init; }

    public required string KeyId { get; init; }

    public required string Role { get; init; }

    public required string Model { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }

    public string? PromptId { get; init; }

    public string? PromptVersion { get; init; }

    public string? ParentRequestId { get; init; }

    /// <summary>The record to keep when the serving gateway is gone: nothing is known of how far the request got.</summary>
    public OutboxEntry Abandoned(DateTimeOffset now) => new()
    {
        Usage = new UsageRecord
        {
            RequestId = RequestId,
            ClientRequestId = ClientRequestId,
            GatewayId = GatewayId,
            KeyId = KeyId,
            Role = Role,
            Model = Model,
            PromptId = PromptId,
            PromptVersion = PromptVersion,
            ParentRequestId = ParentRequestId,
            Status = "UNAVAILABLE",
            Message = $"The gateway serving the request ({GatewayId}) stopped before it ended; its tokens were not counted.",
            TotalTime = now > ReceivedAt ? now - ReceivedAt : TimeSpan.Zero,
            ReceivedAt = ReceivedAt,
            EndedAt = now,
        },
    };
}
