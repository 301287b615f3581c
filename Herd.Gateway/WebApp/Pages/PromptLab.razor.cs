using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Herd.Contracts.V1;
using Herd.Gateway.Completions;
using Herd.Gateway.Failures;
using Herd.Gateway.Ledger;
using Herd.Gateway.Ledger.Queries;
using Herd.Gateway.Prompts.Calls;
using Herd.Gateway.Prompts.Definitions;
using Herd.Gateway.Prompts.Repository;
using Herd.Gateway.Prompts.Templates;
using Herd.Gateway.WebApp.Session;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>
/// The prompt lab: choose a prompt, fill in its variables, run it and watch the answer stream
/// (<c>Completions/Complete</c>), with its timings and node; score the answer
/// (<c>History/SubmitFeedback</c>), and publish the edited template as a new version
/// (<c>Prompts/PublishPrompt</c>). Every action checks the key as the API would.
/// </summary>
public sealed partial class PromptLab : ComponentBase, IDisposable
{
    /// <summary>How long feedback waits for the answer's record to reach the ledger, which writes it a moment after the answer ends.</summary>
    private static readonly TimeSpan FeedbackPatience = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private CancellationTokenSource? _run;
    private IReadOnlyList<PromptVersion>? _prompts;
    private List<PromptVersion>? _versions;
    private PromptVersion? _prompt;
    private string? _promptId;
    private string? _version;
    private string? _refusal;
    private string? _temperature;
    private string? _maxTokens;
    private bool _running;
    private int _tokens;
    private StringBuilder _output = new();
    private string? _runError;
    private CompletionDone? _done;
    private int _score;
    private string? _comment;
    private bool _feedbackSaved;
    private string? _feedbackProblem;
    private string? _template;
    private string? _newVersion;
    private string? _newStage;
    private string? _publishProblem;
    private string? _published;

    /// <summary>The prompt to open; none leaves the choice to the person.</summary>
    [SupplyParameterFromQuery(Name = "id")]
    public string? Id { get; set; }

    /// <summary>The version to open; none opens the newest callable one.</summary>
    [SupplyParameterFromQuery(Name = "version")]
    public string? Version { get; set; }

    [Inject]
    private WebAppSession Session { get; set; } = default!;

    [Inject]
    private PromptRepository Repository { get; set; } = default!;

    [Inject]
    private PromptedCompletions Completions { get; set; } = default!;

    [Inject]
    private IDbContextFactory<LedgerDbContext> Ledger { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            await LoadAsync();
        }
        catch (Exception exception) when (LedgerFailures.IsUnreachable(exception))
        {
            _refusal = Unreachable(exception);
        }
    }

    private async Task LoadAsync()
    {
        var answer = await Session.CheckAsync(ApiMethods.ListPrompts, CancellationToken.None);
        _refusal = answer.Refusal;
        if (!answer.IsAllowed)
        {
            return;
        }

        _prompts = await Repository.ListAsync(PromptVisibility.Of(answer.Caller.Role), string.Empty, string.Empty, CancellationToken.None);
        if (Id is not null)
        {
            await OpenAsync(Id, Version);
        }
    }

    public void Dispose()
    {
        _run?.Cancel();
        _run?.Dispose();
    }

    private async Task ChoosePromptAsync(string? promptId)
    {
        if (!string.IsNullOrEmpty(promptId))
        {
            await OpenOrSayWhyAsync(promptId, version: null);
        }
    }

    private async Task ChooseVersionAsync(string? version)
    {
        if (_promptId is not null && !string.IsNullOrEmpty(version))
        {
            await OpenOrSayWhyAsync(_promptId, version);
        }
    }

    private async Task OpenOrSayWhyAsync(string promptId, string? version)
    {
        try
        {
            await OpenAsync(promptId, version);
        }
        catch (Exception exception) when (LedgerFailures.IsUnreachable(exception))
        {
            _refusal = Unreachable(exception);
        }
    }

    /// <summary>Shows a version of a prompt: its form at the defaults, and a fresh answer.</summary>
    private async Task OpenAsync(string promptId, string? version)
    {
        var answer = await Session.CheckAsync(ApiMethods.GetPrompt, CancellationToken.None);
        _refusal = answer.Refusal;
        if (!answer.IsAllowed)
        {
            return;
        }

        var versions = await Repository.GetAsync(promptId, PromptVisibility.Of(answer.Caller.Role), CancellationToken.None);
        _versions = versions.Where(candidate => candidate.RetiredAt is null).ToList();
        _prompt = string.IsNullOrEmpty(version)
            ? (_versions.Count > 0 ? _versions[0] : null)
            : _versions.FirstOrDefault(candidate => candidate.Definition.Version == version);
        if (_prompt is null)
        {
            _refusal = $"There is no callable {(string.IsNullOrEmpty(version) ? "version" : $"version '{version}'")} of prompt '{promptId}' that your role may use.";
            return;
        }

        (_promptId, _version) = (_prompt.Definition.Id, _prompt.Definition.Version);
        _values.Clear();
        foreach (var variable in _prompt.Definition.Variables)
        {
            _values[variable.Name] = variable.DefaultValue;
        }

        (_template, _newVersion, _newStage, _published, _publishProblem) = (_prompt.Definition.Template, VersionLabels.Next(_prompt.Definition.Version), _prompt.Definition.Stage, null, null);
        ClearAnswer();
    }

    private void SetValue(string name, string? value) => _values[name] = value ?? string.Empty;

    private async Task RunAsync()
    {
        if (_prompt is null || _running)
        {
            return;
        }

        ClearAnswer();
        var answer = await Session.CheckAsync(ApiMethods.Complete, CancellationToken.None);
        if (!answer.IsAllowed)
        {
            _runError = answer.Refusal;
            return;
        }

        if (!TryReadSampling(out var sampling))
        {
            return;
        }

        var request = new CompletionRequest
        {
            PromptCall = new PromptCall { Id = _prompt.Definition.Id, Version = _prompt.Definition.Version, Variables = { _values } },
            Sampling = sampling,
        };
        _run = new CancellationTokenSource();
        _running = true;
        try
        {
            await foreach (var completionEvent in Completions.RunAsync(request, answer.Caller, Door.WebApp, _run.Token))
            {
                if (completionEvent.EventCase == CompletionEvent.EventOneofCase.Delta)
                {
                    _output.Append(completionEvent.Delta.Text);
                    _tokens += completionEvent.Delta.TokenIds.Count;
                }
                else
                {
                    _done = completionEvent.Done;
                }

                StateHasChanged();
            }
        }
        catch (RequestFailedException failure)
        {
            _runError = failure.Message;
        }
        catch (OperationCanceledException) when (_run.IsCancellationRequested)
        {
            _runError = "Stopped.";
        }
        catch (RedisException exception)
        {
            _runError = $"The herd's queue could not be reached: {exception.Message}";
        }
        finally
        {
            _running = false;
        }
    }

    private void Stop() => _run?.Cancel();

    private async Task SendFeedbackAsync()
    {
        (_feedbackSaved, _feedbackProblem) = (false, null);
        if (_done is not { LedgerId.Length: > 0 } done || _score is < Feedback.MinScore or > Feedback.MaxScore)
        {
            return;
        }

        var answer = await Session.CheckAsync(ApiMethods.SubmitFeedback, CancellationToken.None);
        if (!answer.IsAllowed)
        {
            _feedbackProblem = answer.Refusal;
            return;
        }

        var comment = string.IsNullOrWhiteSpace(_comment) ? null : _comment.Trim();
        if (comment is { Length: > Feedback.MaxCommentLength })
        {
            _feedbackProblem = $"Feedback may have at most {Feedback.MaxCommentLength} characters.";
            return;
        }

        var waitUntil = Time.GetUtcNow() + FeedbackPatience;
        while (true)
        {
            try
            {
                await using var ledger = await Ledger.CreateDbContextAsync();
                if (await ledger.SubmitFeedbackAsync(done.LedgerId, answer.Caller.KeyId, _score, comment, Time.GetUtcNow()))
                {
                    _feedbackSaved = true;
                    return;
                }
            }
            catch (Exception exception) when (LedgerFailures.IsUnreachable(exception))
            {
                _feedbackProblem = Unreachable(exception);
                return;
            }

            if (Time.GetUtcNow() > waitUntil)
            {
                _feedbackProblem = "The ledger has not recorded this answer yet; send the feedback again in a moment.";
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private async Task PublishAsync()
    {
        (_published, _publishProblem) = (null, null);
        if (_prompt is null)
        {
            return;
        }

        var answer = await Session.CheckAsync(ApiMethods.PublishPrompt, CancellationToken.None);
        if (!answer.IsAllowed)
        {
            _publishProblem = answer.Refusal;
            return;
        }

        var definition = _prompt.Definition.Clone();
        (definition.Template, definition.Version, definition.Stage) = (_template ?? string.Empty, (_newVersion ?? string.Empty).Trim(), (_newStage ?? string.Empty).Trim());
        foreach (var variable in definition.Variables)
        {
            variable.DefaultValue = _values.GetValueOrDefault(variable.Name) ?? variable.DefaultValue;
        }

        var stage = PromptNames.StageOrDefault(definition.Stage);
        if (!answer.Caller.Role.AllowsPrompt(definition.Id, stage))
        {
            _publishProblem = $"Your role '{answer.Caller.Role.Name}' may not publish prompt '{definition.Id}' on stage '{stage}'.";
            return;
        }

        try
        {
            var published = await Repository.PublishAsync(definition, answer.Caller.KeyId, PromptVisibility.Of(answer.Caller.Role), CancellationToken.None);
            await OpenAsync(published.Definition.Id, published.Definition.Version);
            _published = published.Definition.Version;
        }
        catch (PromptPublishException exception)
        {
            _publishProblem = exception.Message;
        }
        catch (PromptVersionExistsException exception)
        {
            _publishProblem = exception.Message;
        }
        catch (Exception exception) when (LedgerFailures.IsUnreachable(exception))
        {
            _publishProblem = Unreachable(exception);
        }
    }

    private bool TryReadSampling(out SamplingParams sampling)
    {
        sampling = new SamplingParams();
        if (!string.IsNullOrWhiteSpace(_temperature))
        {
            if (!float.TryParse(_temperature, NumberStyles.Float, CultureInfo.InvariantCulture, out var temperature))
            {
                _runError = $"Temperature must be a number such as 0.7, not '{_temperature}'.";
                return false;
            }

            sampling.Temperature = temperature;
        }

        if (!string.IsNullOrWhiteSpace(_maxTokens))
        {
            if (!int.TryParse(_maxTokens, NumberStyles.None, CultureInfo.InvariantCulture, out var maxTokens))
            {
                _runError = $"Max tokens must be a whole number such as 64, not '{_maxTokens}'.";
                return false;
            }

            sampling.MaxTokens = maxTokens;
        }

        return true;
    }

    private void ClearAnswer()
    {
        (_output, _tokens, _done, _runError) = (new StringBuilder(), 0, null, null);
        (_score, _comment, _feedbackSaved, _feedbackProblem) = (0, null, false, null);
    }

    /// <summary>The text the prompt sends with the values as they stand; a chain shows its steps.</summary>
    private string Preview(PromptVersion prompt)
    {
        if (prompt.Definition.Steps.Count > 0)
        {
            return string.Join("\n", prompt.Definition.Steps.Select((step, index) =>
                $"{index + 1}. {step.PromptId}{(step.OutputVariable.Length > 0 ? $" → {{{{{step.OutputVariable}}}}}" : " → the answer")}"));
        }

        try
        {
            return PromptTemplate.Parse(prompt.Definition.Template).Render(_values);
        }
        catch (FormatException exception)
        {
            return exception.Message;
        }
    }

    private static string Unreachable(Exception exception) =>
        $"The herd's ledger, which holds the prompts and feedback, cannot be reached just now; try again shortly. ({LedgerMigrator.Describe(exception)})";

    private static string Targets(PromptVersion prompt) =>
        prompt.Definition.Steps.Count > 0 ? $"a chain of {prompt.Definition.Steps.Count} steps"
        : prompt.Definition.TargetModels.Count == 0 ? "any model" : string.Join(", ", prompt.Definition.TargetModels);

    private static string SamplingDefault(string? value) => value is null ? "model's default" : $"prompt's {value}";

    private static string Milliseconds(Duration? duration) =>
        duration is null ? "–" : $"{duration.ToTimeSpan().TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms";
}
