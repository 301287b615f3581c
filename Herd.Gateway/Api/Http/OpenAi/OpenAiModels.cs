using Herd.Gateway.Access;
using Herd.Gateway.Failures;
using Herd.Gateway.Nodes.Catalog;

namespace Herd.Gateway.Api.Http.OpenAi;

/// <summary>The models a caller may use among those a ready node serves, as <c>/v1/models</c> lists them.</summary>
public static class OpenAiModels
{
    public static async Task<ModelList> ListAsync(ModelCatalog catalog, Caller? caller)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var nodes = await catalog.NodesAsync().ConfigureAwait(false);
        var names = nodes.Where(node => node.Health == Contracts.V1.NodeHealth.Ready)
            .SelectMany(node => node.Models.Select(model => model.Name))
            .Distinct(StringComparer.Ordinal)
            .Where(name => caller is null || caller.Role.AllowsModel(name))
            .Order(StringComparer.Ordinal);
        return new ModelList([.. names.Select(name => new ModelBody(name, 0))]);
    }

    /// <exception cref="RequestFailedException">Not served, or not one the caller's role may use.</exception>
    public static async Task<ModelBody> FindAsync(ModelCatalog catalog, Caller? caller, string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var models = await ListAsync(catalog, caller).ConfigureAwait(false);
        return models.Data.FirstOrDefault(model => model.Id == id)
            ?? throw new RequestFailedException(FailureKind.ModelNotServed, $"Model '{id}' is not served, or not one this key's role may use.");
    }
}
