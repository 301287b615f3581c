using System.Diagnostics.CodeAnalysis;

namespace Herd.Gateway.Adapters;

/// <summary>
/// A model name that asks for a base model with LoRA adapters: <c>base:adapter</c> runs the base
/// with that adapter, <c>base:auto</c> routes each prompt to the base's nearest experts.
/// </summary>
/// <param name="Base">The served model the adapters apply to.</param>
/// <param name="Adapter">The adapter's name, or <see cref="Auto"/>.</param>
public sealed record AdapterModelName(string Base, string Adapter)
{
    public const char Separator = ':';

    /// <summary>The suffix that routes to experts rather than naming an adapter.</summary>
    public const string Auto = "auto";

    /// <summary>True for <c>base:auto</c>.</summary>
    public bool IsAuto => Adapter == Auto;

    /// <summary>
    /// Splits a name at its last colon, where adapter names never have one, so that a base model
    /// whose own name has a colon still parses. False when there is no colon or either side is empty.
    /// </summary>
    public static bool TryParse(string model, [NotNullWhen(true)] out AdapterModelName? name)
    {
        ArgumentNullException.ThrowIfNull(model);
        var colon = model.LastIndexOf(Separator);
        name = colon > 0 && colon < model.Length - 1 ? new AdapterModelName(model[..colon], model[(colon + 1)..]) : null;
        return name is not null;
    }

    /// <summary>The name of <paramref name="adapter"/> on <paramref name="baseModel"/>, as requests write it.</summary>
    public static string Of(string baseModel, string adapter) => baseModel + Separator + adapter;

    public override string ToString() => Of(Base, Adapter);
}
