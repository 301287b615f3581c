namespace Herd.Gateway.Ledger;

/// <summary>A key holder's verdict on one of its requests: one per request, a later one replaces it.</summary>
public sealed class Feedback
{
    public const int MinScore = 1;
    public const int MaxScore = 5;
    public const int MaxCommentLength = 2000;

    /// <summary>
    /// The request judged. Not a foreign key: feedback may come in before the request's usage
    /// record has made its way through the outbox.
    /// </summary>
    public required string RequestId { get; init; }

    /// <summary>The key that gave the feedback.</summary>
    public required string KeyId { get; init; }

    /// <summary>From <see cref="MinScore"/> (bad) to <see cref="MaxScore"/> (good); the database refuses others.</summary>
    public int Score { get; set; }

    public string? Comment { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
