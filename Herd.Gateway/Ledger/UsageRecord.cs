namespace Herd.Gateway.Ledger;

/// <summary>
/// What one request cost and how it ended. Every request gets exactly one, whatever its end:
/// completed, cancelled, failed or refused; <see cref="RequestId"/> makes a redelivered record a no-op.
/// </summary>
/// <remarks>Durations are PostgreSQL <c>interval</c>s (microsecond precision).</remarks>
public sealed class UsageRecord
{
    public const int MaxRequestIdLength = 64;
    public const int MaxModelLength = 256;
    public const int MaxNodeIdLength = 128;
    public const int MaxFinishReasonLength = 32;
    public const int MaxStatusLength = 32;
    public const int MaxClientRequestIdLength = 200;
    public const int MaxGatewayIdLength = 128;
    public const int MaxMessageLength = 1000;

    /// <summary>The gateway's id for the request; unique in the ledger.</summary>
    public required string RequestId { get; init; }

    /// <summary>The id the client gave the request, if any; not unique.</summary>
    public string? ClientRequestId { get; init; }

    /// <summary>The gateway that received the request.</summary>
    public string? GatewayId { get; init; }

    /// <summary>The key that made the request; null when it was refused before a key was verified.</summary>
    public string? KeyId { get; init; }

    /// <summary>The key's role when the request was made; null with no key.</summary>
    public string? Role { get; init; }

    /// <summary>The model the request asked for, as asked.</summary>
    public required string Model { get; init; }

    /// <summary>
    /// The LoRA adapters the generation ran with, each as its expert's or adapter's name and its
    /// weight (<c>code@0.7312,qa@0.2688</c>, see <c>UsedAdapters</c>); null for the base model alone.
    /// </summary>
    public string? Adapters { get; init; }

    /// <summary>The node that served it; null when it never reached one.</summary>
    public string? NodeId { get; init; }

    public int PromptTokens { get; init; }

    /// <summary>Tokens delivered to the client, including those of a request that ended early.</summary>
    public int CompletionTokens { get; init; }

    /// <summary>From enqueueing to assignment to a node; null when never queued.</summary>
    public TimeSpan? QueueWait { get; init; }

    /// <summary>From receipt to the first token sent; null when no token was sent.</summary>
    public TimeSpan? TimeToFirstToken { get; init; }

    /// <summary>From receipt to the end of the response.</summary>
    public TimeSpan TotalTime { get; init; }

    /// <summary>Why generation stopped (<c>stop</c>, <c>length</c>, <c>cancelled</c>); null when it never started or failed.</summary>
    public string? FinishReason { get; init; }

    /// <summary>The gRPC status name the call ended with: <c>OK</c>, <c>CANCELLED</c>, <c>RESOURCE_EXHAUSTED</c>...</summary>
    public required string Status { get; init; }

    public const string GrpcDoor = "grpc";
    public const string HttpDoor = "http";
    public const string WebAppDoor = "web";
    public const int MaxDoorLength = 8;

    /// <summary>The door the request came through: <see cref="GrpcDoor"/>, <see cref="HttpDoor"/> or <see cref="WebAppDoor"/>; null in records from before doors were kept.</summary>
    public string? Door { get; init; }

    /// <summary>Why the request did not end with <c>OK</c>, as the client was told; null when it did.</summary>
    public string? Message { get; init; }

    /// <summary>The prompt the request called (<see cref="PromptVersionRecord.PromptId"/>); null when it sent its own text.</summary>
    public string? PromptId { get; init; }

    /// <summary>The version of <see cref="PromptId"/> that ran; null with no prompt.</summary>
    public string? PromptVersion { get; init; }

    /// <summary>For a step of a chain, the id the chain's steps share; null otherwise.</summary>
    public string? ParentRequestId { get; init; }

    /// <summary>What the request cost the key, in the herd's fee unit.</summary>
    public decimal Fee { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }

    public DateTimeOffset EndedAt { get; init; }
}
