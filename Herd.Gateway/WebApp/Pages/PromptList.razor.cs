using Herd.Contracts.V1;
using Herd.Gateway.Prompts.Definitions;
using Herd.Gateway.Prompts.Repository;
using Herd.Gateway.WebApp.Components;
using Herd.Gateway.WebApp.Session;
using Herd.Gateway.WebApp.Tabs;
using Microsoft.AspNetCore.Components;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Herd.Gateway.WebApp.Pages;

/// <summary>Prompts: the newest callable version of every prompt the key's role sees, searchable (<c>Prompts/ListPrompts</c>).</summary>
public sealed partial class PromptList : LiveTab
{
    private static readonly GridSort<PromptVersion> ById = GridSort<PromptVersion>.ByAscending(prompt => prompt.Definition.Id);

    private IReadOnlyList<PromptVersion>? _prompts;
    private string? _refusal;
    private string _search = string.Empty;
    private string _stage = string.Empty;

    [Inject]
    private PromptRepository Repository { get; set; } = default!;

    protected override AppTab Tab => AppTabs.Prompts;

    protected override async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var answer = await Session.CheckAsync(ApiMethods.ListPrompts, cancellationToken);
        _refusal = answer.Refusal;
        if (!answer.IsAllowed)
        {
            _prompts = null;
            return;
        }

        // A stage still being typed matches nothing rather than everything.
        var stage = _stage.Trim();
        _prompts = stage.Length > 0 && !PromptNames.IsStage(stage)
            ? []
            : await Repository.ListAsync(PromptVisibility.Of(answer.Caller.Role), _search.Trim(), stage, cancellationToken);
    }

    private async Task SearchAsync(string? search)
    {
        _search = search ?? string.Empty;
        await ReadAsync();
    }

    private async Task StageAsync(string? stage)
    {
        _stage = stage ?? string.Empty;
        await ReadAsync();
    }

    private static string Models(PromptVersion prompt) =>
        prompt.Definition.Steps.Count > 0 ? $"chain of {prompt.Definition.Steps.Count} steps" : string.Join(", ", prompt.Definition.TargetModels);

    private static string PromptRowClass(PromptVersion prompt) => $"prompt-{prompt.Definition.Id}";
}
