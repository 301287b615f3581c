using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Prompts.Definitions;
using Herd.Gateway.Prompts.Repository;

namespace Herd.Gateway.Api.Grpc.Prompts;

/// <summary>
/// <c>herd.v1.Prompts</c>: publishing, listing, reading and retiring prompts. The access check in
/// front allows the method by the role's <c>allow_methods</c>; here the role's
/// <c>allow_prompts</c> decides which prompts and stages the caller sees and may publish to.
/// </summary>
public sealed class PromptsService(PromptRepository repository) : Contracts.V1.Prompts.PromptsBase
{
    public const int MaxSearchLength = 200;

    public override async Task<PromptVersion> PublishPrompt(PublishPromptRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        var definition = request.Definition ?? throw RequestFields.Invalid("definition is required: the prompt to publish.");
        var stage = PromptNames.StageOrDefault(definition.Stage);
        if (PromptNames.IsId(definition.Id) && PromptNames.IsStage(stage) && !caller.Role.AllowsPrompt(definition.Id, stage))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"Role '{caller.Role.Name}' may not publish prompt '{definition.Id}' on stage '{stage}': its allow_prompts ({caller.Role.Prompts}) do not name it."));
        }

        try
        {
            return await repository.PublishAsync(definition, caller.KeyId, PromptVisibility.Of(caller.Role), context.CancellationToken).ConfigureAwait(false);
        }
        catch (PromptPublishException exception)
        {
            throw RequestFields.Invalid(exception.Message);
        }
        catch (PromptVersionExistsException exception)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, exception.Message));
        }
    }

    public override async Task<ListPromptsResponse> ListPrompts(ListPromptsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        if (request.Search.Length > MaxSearchLength)
        {
            throw RequestFields.Invalid($"search must have at most {MaxSearchLength} characters.");
        }

        if (request.Stage.Length > 0 && !PromptNames.IsStage(request.Stage))
        {
            throw RequestFields.Invalid($"stage must be empty or a stage: {PromptNames.StageShape}.");
        }

        var prompts = await repository.ListAsync(PromptVisibility.Of(caller.Role), request.Search, request.Stage, context.CancellationToken).ConfigureAwait(false);
        return new ListPromptsResponse { Prompts = { prompts } };
    }

    public override async Task<GetPromptResponse> GetPrompt(GetPromptRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        var versions = await repository.GetAsync(request.Id, PromptVisibility.Of(caller.Role), context.CancellationToken).ConfigureAwait(false);
        return versions.Count == 0 ? throw NotFound(request.Id) : new GetPromptResponse { Versions = { versions } };
    }

    public override async Task<RetirePromptResponse> RetirePrompt(RetirePromptRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var caller = context.RequireCaller();
        var versions = await repository.RetireAsync(request.Id, request.Version, PromptVisibility.Of(caller.Role), caller.KeyId, context.CancellationToken).ConfigureAwait(false);
        return versions.Count == 0 ? throw NotFound(request.Id, request.Version) : new RetirePromptResponse { Versions = { versions } };
    }

    /// <summary>The same answer whether the prompt does not exist or the role may not see it: ids are not to be probed.</summary>
    private static RpcException NotFound(string id, string version = "")
    {
        var shown = id.Length <= 64 ? id : id[..64] + "...";
        var which = version.Length == 0 ? $"prompt '{shown}'" : $"version '{(version.Length <= 32 ? version : version[..32] + "...")}' of prompt '{shown}'";
        return new RpcException(new Status(StatusCode.NotFound, $"There is no {which} that your role may see; ListPrompts lists those it may."));
    }
}
