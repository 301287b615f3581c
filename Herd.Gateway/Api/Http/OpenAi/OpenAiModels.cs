using Herd.Gateway.Access;
using Herd.Gateway.Adapters;
using Herd.Gateway.Failures;
using Herd.Gateway.Nodes.Catalog;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>
/// The models a caller may use among those a ready node serves, as <c>/v1/models</c> lists them:
/// each base model, and for a base with adapters or experts its <c>base:adapter</c> names and
/// <c>base:auto</c>, as far as the role's <c>allow_models</c> (on the base) and <c>allow_experts</c> allow.
/// </summary>
public static class OpenAiModels
{
    public static async Task<ModelList> ListAsync(ModelCatalog catalog, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var offers = ModelCatalog.ReadyOffers(await catalog.NodesAsync().ConfigureAwait(false)).Values
            .Where(offer => caller is null || caller.Role.AllowsModel(offer.Name));
        var names = offers.SelectMany(offer => NamesOf(offer, caller))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        return new ModelList([.. names.Select(name => new ModelBody(name, 0))]);
    }

    /// <summary>The served base models the caller may use, without their adapter names.</summary>
    public static async Task<IReadOnlyList<string>> BaseModelsAsync(ModelCatalog catalog, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return [.. ModelCatalog.ReadyOffers(await catalog.NodesAsync().ConfigureAwait(false)).Keys
            .Where(name => caller is null || caller.Role.AllowsModel(name))
            .Order(StringComparer.Ordinal)];
    }

    /// <exception cref="RequestFailedException">Not served, or not one the caller's role may use.</exception>
    public static async Task<ModelBody> FindAsync(ModelCatalog catalog, Caller? caller, string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var models = await ListAsync(catalog, caller).ConfigureAwait(false);
        return models.Data.FirstOrDefault(model => model.Id == id)
            ?? throw new RequestFailedException(FailureKind.ModelNotServed, $"Model '{id}' is not served, or not one this key's role may use.");
    }

    /// <summary>The base's own name, its adapters' names and its routing name, those the caller's role allows.</summary>
    private static IEnumerable<string> NamesOf(ModelOffer offer, Caller? caller)
    {
        yield return offer.Name;
        foreach (var adapter in offer.Adapters.Where(adapter => caller is null || caller.Role.AllowsExpert(adapter)))
        {
            yield return AdapterModelName.Of(offer.Name, adapter);
        }

        if (offer.Experts.Any(expert => caller is null || caller.Role.AllowsExpert(expert)))
        {
            yield return AdapterModelName.Of(offer.Name, AdapterModelName.Auto);
        }
    }
}
