namespace Herd.Node.Serving;

/// <summary>Why a change of the node's models was refused or failed.</summary>
public enum ModelChangeProblem
{
    /// <summary>Not in the catalog, or not loaded.</summary>
    NotFound,

    /// <summary>Another change is under way.</summary>
    Busy,

    /// <summary>It would leave the node with no model.</summary>
    LastModel,

    /// <summary>The model could not be loaded; the node serves what it had.</summary>
    LoadFailed,

    /// <summary>The node's models are fixed by its configuration (a provider node).</summary>
    Fixed,
}

/// <summary>A change of the node's models (load, unload, switch) that did not happen; the message says why.</summary>
public sealed class ModelChangeException : Exception
{
    public ModelChangeException(ModelChangeProblem problem, string message, Exception? inner = null)
        : base(message, inner) => Problem = problem;

    public ModelChangeProblem Problem { get; }
}
