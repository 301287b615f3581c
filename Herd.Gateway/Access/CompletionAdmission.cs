using System.Globalization;
using System.Text;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Completions;
using Herd.Gateway.Limits;
using Herd.Gateway.Queue;

namespace Herd.Gateway.Access;

/// <summary>
/// Decides whether a caller's completion may run: its role must allow the model, the priority
/// and some node group, and the key's limits must have room for the tokens the request may use,
/// which are reserved until <see cref="SettleAsync"/> counts the real ones.
/// </summary>
public sealed class CompletionAdmission(UsageLimiter limiter)
{
    // Room for a chat template's markers around each message and the whole conversation.
    private const int TemplateTokensPerMessage = 16;
    private const int TemplateTokensPerPrompt = 16;

    /// <param name="caller">Null when access control is off: everything is allowed and nothing counted.</param>
    /// <param name="contextLength">The longest context a node serves the model with: no request uses more tokens.</param>
    /// <exception cref="RpcException">PERMISSION_DENIED outside the role, RESOURCE_EXHAUSTED over a limit.</exception>
    public async Task<AdmittedCompletion> AdmitAsync(Caller? caller, CompletionRequest request, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (caller is null)
        {
            return AdmittedCompletion.Unchecked;
        }

        var role = caller.Role;
        if (!role.AllowsModel(request.Model))
        {
            throw Denied($"The role '{role.Name}' may not use model '{request.Model}' (it allows {role.Models}).");
        }

        if (request.Priority > role.MaxPriority)
        {
            throw Denied(string.Create(CultureInfo.InvariantCulture,
                $"Priority {request.Priority} is above {role.MaxPriority}, the highest the role '{role.Name}' may ask for."));
        }

        var nodeGroups = NodeGroupsOf(role);
        var promptBound = PromptTokenBound(request);
        var reserved = Math.Min(contextLength, promptBound + CompletionTokenBound(request, contextLength));
        var admission = await limiter.AdmitAsync(caller.KeyId, role.Limits, reserved).ConfigureAwait(false);
        if (!admission.IsAdmitted)
        {
            throw OverLimit(admission.Refusal);
        }

        return new AdmittedCompletion(nodeGroups, admission.Reservation, Math.Min(promptBound, contextLength));
    }

    /// <summary>Counts what the request really used against the limits, in place of what was reserved.</summary>
    /// <param name="promptTokens">The prompt tokens the request is charged (see <c>CompletionProgress.ChargedPromptTokens</c>).</param>
    public Task SettleAsync(AdmittedCompletion admitted, int promptTokens, int completionTokens)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        var used = (long)promptTokens + completionTokens;
        return admitted.Reservation is { } reservation ? limiter.SettleAsync(reservation, used) : Task.CompletedTask;
    }

    /// <summary>The role's node group patterns as the queue takes them: empty for any group.</summary>
    private static IReadOnlyList<string> NodeGroupsOf(Role role)
    {
        var patterns = role.NodeGroups.Patterns;
        if (patterns.Count == 0)
        {
            throw Denied($"The role '{role.Name}' allows no node group (allow_node_groups is empty), so no node may serve it.");
        }

        return patterns.Contains(NodeGroupPatterns.Any) ? [] : patterns;
    }

    /// <summary>
    /// The most tokens the prompt can take: a byte-level tokenizer makes at most one token per
    /// UTF-8 byte, and a chat template adds a few per message.
    /// </summary>
    internal static long PromptTokenBound(CompletionRequest request) => request.InputCase switch
    {
        CompletionRequest.InputOneofCase.Chat => TemplateTokensPerPrompt + request.Chat.Messages.Sum(message =>
            (long)TemplateTokensPerMessage + Encoding.UTF8.GetByteCount(message.Role) + Encoding.UTF8.GetByteCount(message.Content)),
        _ => TemplateTokensPerPrompt + (long)Encoding.UTF8.GetByteCount(request.Prompt),
    };

    private static long CompletionTokenBound(CompletionRequest request, int contextLength) =>
        request.Sampling is { HasMaxTokens: true, MaxTokens: > 0 } sampling ? Math.Min(sampling.MaxTokens, contextLength) : contextLength;

    private static RpcException Denied(string message) => new(new Status(StatusCode.PermissionDenied, message));

    private static RpcException OverLimit(LimitRefusal refusal)
    {
        var status = new Status(StatusCode.ResourceExhausted, LimitMessages.Describe(refusal));
        return LimitMessages.RetryAfterMilliseconds(refusal) is { } retryAfter
            ? new RpcException(status, new Metadata { { CompletionRunner.RetryAfterKey, retryAfter.ToString(CultureInfo.InvariantCulture) } })
            : new RpcException(status);
    }
}
