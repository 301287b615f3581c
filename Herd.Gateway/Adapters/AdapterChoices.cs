using Herd.Contracts.V1;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Failures;

namespace Herd.Gateway.Adapters;

/// <summary>
/// Turns a resolved model name into the adapters a job's assignment carries (<c>Assign.adapters</c>),
/// within what the request may ask for and what the caller's role allows (<c>allow_experts</c>).
/// </summary>
public static class AdapterChoices
{
    /// <summary>The most experts a request may blend; each node holds to its own, lower cap (<c>Herd:Node:Experts:MaxTopExperts</c>).</summary>
    public const int MaxTopExperts = 16;

    /// <param name="model">What the request's model name resolved to.</param>
    /// <param name="request">The request, for its <c>top_experts</c>, its kind and its model name as asked.</param>
    /// <param name="role">The caller's role; null when access control is off.</param>
    /// <returns>The choice for the assignment; null for the base model alone.</returns>
    /// <exception cref="RequestFailedException">
    /// Invalid: <c>top_experts</c> on a model that does not route, or adapters on an embeddings
    /// request. Forbidden: an adapter outside the role's <c>allow_experts</c>, or every expert.
    /// </exception>
    public static AdapterChoice? For(ModelChoice model, CompletionRequest request, Role? role)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        if (request.TopExperts != 0 && !model.RoutesToExperts)
        {
            throw new RequestFailedException(FailureKind.InvalidRequest,
                $"top_experts applies only to a model that routes to experts; ask for '{AdapterModelName.Of(model.BaseModel, AdapterModelName.Auto)}' with it, or leave top_experts at 0 for model '{request.Model}'.");
        }

        if (model.IsBaseAlone)
        {
            return null;
        }

        if (request.InputCase == CompletionRequest.InputOneofCase.Embed)
        {
            throw new RequestFailedException(FailureKind.InvalidRequest,
                $"Embeddings are computed by the base model alone; ask for model '{model.BaseModel}' rather than '{request.Model}'.");
        }

        // A role that may not use the base model at all is refused by the admission, which names the model.
        var checkedRole = role is not null && role.AllowsModel(model.BaseModel) ? role : null;
        return model.RoutesToExperts ? Routed(model, request.TopExperts, checkedRole) : Named(model, model.Adapter!, checkedRole);
    }

    private static AdapterChoice Named(ModelChoice model, string adapter, Role? role)
    {
        if (role is not null && !role.AllowsExpert(adapter))
        {
            throw new RequestFailedException(FailureKind.Forbidden,
                $"The role '{role.Name}' may not use adapter '{adapter}' of model '{model.BaseModel}' (its allow_experts is {role.Experts}).");
        }

        return new AdapterChoice { Named = new NamedAdapters { Adapters = { new WeightedAdapter { Name = adapter, Weight = 1 } } } };
    }

    private static AdapterChoice Routed(ModelChoice model, int topExperts, Role? role)
    {
        // 0 is proto3's unset: one expert, the nearest.
        var routing = new ExpertRouting { TopExperts = Math.Max(1, topExperts) };
        if (role is not null && !role.Experts.MatchesEveryName)
        {
            var allowed = model.Experts.Where(role.AllowsExpert).ToList();
            if (allowed.Count == 0)
            {
                throw new RequestFailedException(FailureKind.Forbidden,
                    $"The role '{role.Name}' may use none of model '{model.BaseModel}''s experts ({string.Join(", ", model.Experts)}); its allow_experts is {role.Experts}.");
            }

            // The node may choose only among these, even if it has experts the herd did not list yet.
            routing.Restricted = true;
            routing.AllowedExperts.AddRange(allowed);
        }

        return new AdapterChoice { Route = routing };
    }
}
