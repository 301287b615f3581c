using System.Globalization;
using System.Text;
using Grpc.Core;
using Herd.Contracts.V1;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Completions;
using Herd.Gateway.Fees;
using Herd.Gateway.Limits;
using Herd.Gateway.Queue;
using Herd.Gateway.Telemetry;

namespace Herd.Gateway.Access;

/// <summary>
/// Decides whether a caller's completion may run: its role must allow the model, the priority
/// and some node group, the key's limits must have room for the tokens the request may use, and
/// its budget for the most the request may cost; both are reserved until <see cref="SettleAsync"/>
/// counts the real ones.
/// </summary>
/// <param name="prices">Null where fees are not wired (access control off): nothing costs anything.</param>
/// <param name="budgets">Null where fees are not wired: no budget is kept.</param>
/// <param name="keyPrefix">The herd's Redis key prefix, under which admission tickets live.</param>
/// <param name="telemetry">Counts refusals by a limit or the budget; null counts nothing.</param>
public sealed class CompletionAdmission(UsageLimiter limiter, string keyPrefix, PriceTable? prices = null, BudgetKeeper? budgets = null, GatewayTelemetry? telemetry = null)
{
    private readonly string _ticketPrefix = keyPrefix + "ticket:";

    // Room for a chat template's markers around each message and the whole conversation.
    private const int TemplateTokensPerMessage = 16;
    private const int TemplateTokensPerPrompt = 16;

    /// <summary>
    /// Checks the request against the caller's role at once, and sends the budget and limit checks
    /// to Redis without waiting for them: a job enqueued right after, in the same round trip, with
    /// <see cref="PendingAdmission.Tickets"/> is queued only if both admitted it.
    /// </summary>
    /// <param name="caller">Null when access control is off: everything is allowed and nothing counted.</param>
    /// <param name="contextLength">The longest context a node serves the model with: no request uses more tokens.</param>
    /// <param name="jobId">The job the admission is for, which names its tickets.</param>
    /// <exception cref="RpcException">PERMISSION_DENIED outside the role; the pending result fails with RESOURCE_EXHAUSTED over a limit or the budget.</exception>
    public PendingAdmission Begin(Caller? caller, CompletionRequest request, int contextLength, string jobId)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        if (caller is null)
        {
            return new PendingAdmission([], [], Task.FromResult(AdmittedCompletion.Unchecked));
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
        var budgetTicket = caller.Budget is not null && prices is not null && budgets is not null ? _ticketPrefix + jobId + ":budget" : null;
        var limitsTicket = role.Limits.Count > 0 ? _ticketPrefix + jobId + ":limits" : null;
        string[] tickets = [.. new[] { budgetTicket, limitsTicket }.OfType<string>()];
        return new PendingAdmission(nodeGroups, tickets, AdmitAsync(caller, request, contextLength, nodeGroups, budgetTicket, limitsTicket));
    }

    /// <summary>
    /// The budget and limit checks. Both scripts are sent before the first wait; whichever
    /// refuses, the other's charge is given back.
    /// </summary>
    private async Task<AdmittedCompletion> AdmitAsync(
        Caller caller, CompletionRequest request, int contextLength, IReadOnlyList<string> nodeGroups, string? budgetTicket, string? limitsTicket)
    {
        var promptBound = Math.Min(PromptTokenBound(request), contextLength);
        var completionBound = CompletionTokenBound(request, contextLength);
        var reservingBudget = ReserveBudgetAsync(caller, request, promptBound, completionBound, budgetTicket);
        var admitting = limiter.AdmitAsync(caller.KeyId, caller.Role.Limits, Math.Min(contextLength, promptBound + completionBound), limitsTicket);
        BudgetReservation? budgetReservation;
        try
        {
            budgetReservation = await reservingBudget.ConfigureAwait(false);
        }
        catch
        {
            if (await admitting.ConfigureAwait(false) is { Reservation: { } reserved })
            {
                await limiter.SettleAsync(reserved, 0).ConfigureAwait(false);
            }

            throw;
        }

        var admission = await admitting.ConfigureAwait(false);
        if (!admission.IsAdmitted)
        {
            if (budgetReservation is not null)
            {
                await budgets!.SettleAsync(budgetReservation, 0m).ConfigureAwait(false);
            }

            telemetry?.LimitRejected(admission.Refusal.Rule.Kind == LimitKind.Requests ? "requests" : "tokens");
            throw OverLimit(admission.Refusal);
        }

        return new AdmittedCompletion(nodeGroups, admission.Reservation, promptBound)
        {
            BudgetReservation = budgetReservation,
            Model = request.Model,
            Priority = request.Priority,
        };
    }

    /// <summary>What a request that used these tokens costs; nothing when fees are off or it never reached a node.</summary>
    public decimal FeeOf(AdmittedCompletion admitted, bool reachedNode, int promptTokens, int completionTokens)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        return prices is null || admitted.Model is null || !reachedNode
            ? 0m
            : prices.FeeOf(admitted.Model, admitted.Priority, promptTokens, completionTokens);
    }

    /// <summary>Counts what the request really used against the limits and the budget, in place of what was reserved.</summary>
    /// <param name="promptTokens">The prompt tokens the request is charged (see <c>CompletionProgress.ChargedPromptTokens</c>).</param>
    /// <param name="fee">What the request cost (<see cref="FeeOf"/>).</param>
    public async Task SettleAsync(AdmittedCompletion admitted, int promptTokens, int completionTokens, decimal fee)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        var settlingBudget = admitted.BudgetReservation is { } budget ? budgets!.SettleAsync(budget, fee) : Task.CompletedTask;
        if (admitted.Reservation is { } reservation)
        {
            await limiter.SettleAsync(reservation, (long)promptTokens + completionTokens).ConfigureAwait(false);
        }

        await settlingBudget.ConfigureAwait(false);
    }

    /// <summary>Holds the most the request may cost against the key's budget, if it has one.</summary>
    private async Task<BudgetReservation?> ReserveBudgetAsync(Caller caller, CompletionRequest request, long promptBound, long completionBound, string? ticket)
    {
        if (prices is null || budgets is null || caller.Budget is not { } budget)
        {
            return null;
        }

        var maxFee = prices.FeeOf(request.Model, request.Priority, promptBound, completionBound);
        BudgetAdmission admission;
        try
        {
            admission = await budgets.ReserveAsync(caller.KeyId, budget, maxFee, ticket: ticket).ConfigureAwait(false);
        }
        catch (LedgerUnreachableException exception)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, exception.Message));
        }

        if (admission.IsAdmitted)
        {
            return admission.Reservation;
        }

        telemetry?.LimitRejected("budget");
        throw new RpcException(new Status(StatusCode.ResourceExhausted, BudgetMessages.Exhausted(admission, maxFee, prices.Currency)));
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
