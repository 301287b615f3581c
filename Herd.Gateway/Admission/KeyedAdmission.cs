using System.Globalization;
using System.Text;
using Herd.Contracts.V1;
using Herd.Gateway.Access;
using Herd.Gateway.Access.Roles;
using Herd.Gateway.Admission.Fees;
using Herd.Gateway.Admission.Limits;
using Herd.Gateway.Failures;
using Herd.Gateway.Queue;
using Herd.Gateway.Telemetry;

namespace Herd.Gateway.Admission;

/// <summary>
/// The admission where access control is on: the caller's role must allow the model, the
/// priority and some node group, the key's limits must have room for the tokens the request may
/// use, and its budget for the most the request may cost; both are reserved until
/// <see cref="SettleAsync"/> counts the real ones.
/// </summary>
/// <param name="keyPrefix">The herd's Redis key prefix, under which admission tickets live.</param>
/// <param name="telemetry">Counts refusals by a limit or the budget; null counts nothing.</param>
public sealed class KeyedAdmission(UsageLimiter limiter, string keyPrefix, PriceTable prices, BudgetKeeper budgets, GatewayTelemetry? telemetry = null)
    : ICompletionAdmission
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
    /// <exception cref="RequestFailedException">Forbidden outside the role, unauthenticated without a caller; the pending result fails over a limit or the budget.</exception>
    public PendingAdmission Begin(Caller? caller, CompletionRequest request, int contextLength, string jobId)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        if (caller is null)
        {
            throw new RequestFailedException(FailureKind.Unauthenticated, "The request carries no verified API key.");
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
        var budgetTicket = caller.Budget is not null ? _ticketPrefix + jobId + ":budget" : null;
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
        var promptBound = PromptTokenBound(request, contextLength);
        var completionBound = CompletionTokenBound(request, contextLength);
        var reservingBudget = ReserveBudgetAsync(caller, request, promptBound, completionBound, budgetTicket);
        // An embeddings request's texts each fit the context on their own; a generation fits it whole.
        var tokenBound = request.InputCase == CompletionRequest.InputOneofCase.Embed ? promptBound : Math.Min(contextLength, promptBound + completionBound);
        var admitting = limiter.AdmitAsync(caller.KeyId, caller.Role.Limits, tokenBound, limitsTicket);
        BudgetReservation? budgetReservation;
        try
        {
            budgetReservation = await reservingBudget.ConfigureAwait(false);
        }
        catch
        {
            if (await admitting.ConfigureAwait(false) is { Reservation: { } reserved })
            {
                await limiter.ReleaseAsync(reserved).ConfigureAwait(false);
            }

            throw;
        }

        var admission = await admitting.ConfigureAwait(false);
        if (!admission.IsAdmitted)
        {
            if (budgetReservation is not null)
            {
                await budgets.SettleAsync(budgetReservation, 0m).ConfigureAwait(false);
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

    public decimal FeeOf(AdmittedCompletion admitted, bool reachedNode, int promptTokens, int completionTokens)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        return admitted.Model is null || !reachedNode
            ? 0m
            : prices.FeeOf(admitted.Model, admitted.Priority, promptTokens, completionTokens);
    }

    public async Task SettleAsync(AdmittedCompletion admitted, int promptTokens, int completionTokens, decimal fee)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        var settlingBudget = admitted.BudgetReservation is { } budget ? budgets.SettleAsync(budget, fee) : Task.CompletedTask;
        if (admitted.Reservation is { } reservation)
        {
            await limiter.SettleAsync(reservation, (long)promptTokens + completionTokens).ConfigureAwait(false);
        }

        await settlingBudget.ConfigureAwait(false);
    }

    /// <summary>Holds the most the request may cost against the key's budget, if it has one.</summary>
    private async Task<BudgetReservation?> ReserveBudgetAsync(Caller caller, CompletionRequest request, long promptBound, long completionBound, string? ticket)
    {
        if (caller.Budget is not { } budget)
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
            throw new RequestFailedException(FailureKind.Unavailable, exception.Message);
        }

        if (admission.IsAdmitted)
        {
            return admission.Reservation;
        }

        telemetry?.LimitRejected("budget");
        throw new RequestFailedException(FailureKind.OverBudget, BudgetMessages.Exhausted(admission, maxFee, prices.Currency));
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
    /// UTF-8 byte, and a chat template adds a few per message; no prompt takes more than the
    /// context. Texts to embed are each a prompt of their own.
    /// </summary>
    internal static long PromptTokenBound(CompletionRequest request, int contextLength) => request.InputCase switch
    {
        CompletionRequest.InputOneofCase.Chat => Math.Min(contextLength, TemplateTokensPerPrompt + request.Chat.Messages.Sum(message =>
            (long)TemplateTokensPerMessage + Encoding.UTF8.GetByteCount(message.Role) + Encoding.UTF8.GetByteCount(message.Content))),
        CompletionRequest.InputOneofCase.Embed => request.Embed.Texts.Sum(text => Math.Min(contextLength, TemplateTokensPerPrompt + (long)Encoding.UTF8.GetByteCount(text))),
        _ => Math.Min(contextLength, TemplateTokensPerPrompt + (long)Encoding.UTF8.GetByteCount(request.Prompt)),
    };

    private static long CompletionTokenBound(CompletionRequest request, int contextLength) => request switch
    {
        { InputCase: CompletionRequest.InputOneofCase.Embed } => 0,
        { Sampling: { HasMaxTokens: true, MaxTokens: > 0 } sampling } => Math.Min(sampling.MaxTokens, contextLength),
        _ => contextLength,
    };

    private static RequestFailedException Denied(string message) => new(FailureKind.Forbidden, message);

    private static RequestFailedException OverLimit(LimitRefusal refusal) =>
        new(new RequestFailure(FailureKind.OverLimit, LimitMessages.Describe(refusal))
        {
            RetryAfter = LimitMessages.RetryAfterMilliseconds(refusal) is { } retryAfter ? TimeSpan.FromMilliseconds(retryAfter) : null,
        });
}
