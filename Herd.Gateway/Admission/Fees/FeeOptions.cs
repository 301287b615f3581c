namespace Herd.Gateway.Admission.Fees;

/// <summary>
/// What requests cost, bound from the <c>Herd:Gateway:Fees</c> section and checked by
/// <see cref="FeeOptionsValidation"/>. Read through <see cref="PriceTable"/>, which follows changes
/// to the configuration while the gateway runs.
/// </summary>
public sealed record FeeOptions
{
    public const string Section = "Herd:Gateway:Fees";

    /// <summary>The name of the unit fees and budgets are counted in; only shown to people.</summary>
    public string Currency { get; init; } = "credits";

    /// <summary>
    /// Prices by exact model name, as clients ask for the model (case-sensitive). A model not
    /// listed costs <see cref="Default"/>.
    /// </summary>
    public Dictionary<string, ModelPrice> Models { get; init; } = [];

    /// <summary>The price of every model not in <see cref="Models"/>; free unless set.</summary>
    public ModelPrice Default { get; init; } = new();

    /// <summary>
    /// How much dearer each priority level makes a request: the fee is multiplied by
    /// 1 + priority × this, so with 0.01 a request at priority 50 costs 1.5 times as much.
    /// </summary>
    public decimal PriorityMultiplierPerLevel { get; init; } = 0.01m;
}
