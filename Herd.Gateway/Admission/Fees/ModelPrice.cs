namespace Herd.Gateway.Admission.Fees;

/// <summary>What one model costs, in <see cref="FeeOptions.Currency"/>; every part is 0 or more.</summary>
public sealed record ModelPrice
{
    /// <summary>Free: every part zero.</summary>
    public static readonly ModelPrice Free = new();

    /// <summary>The price of each token of the prompt, as the node counts them.</summary>
    public decimal PerPromptToken { get; init; }

    /// <summary>The price of each token generated.</summary>
    public decimal PerCompletionToken { get; init; }

    /// <summary>A fixed price for every request, whatever its length.</summary>
    public decimal PerRequest { get; init; }
}
