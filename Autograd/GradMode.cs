namespace Scratch.Autograd;

/// <summary>
/// Switches that change how ops record the graph, each on the current thread and undone at the end of
/// a <c>using</c> block:
/// <code>
/// using (GradMode.NoGrad()) { var logits = model.Forward(x); }   // evaluation: nothing is recorded
/// using (GradMode.DetectAnomaly()) { loss.Backward(); }          // throw at the first NaN or ±Inf
/// </code>
/// </summary>
public static class GradMode
{
    [ThreadStatic]
    private static int noGradDepth;

    [ThreadStatic]
    private static int anomalyDepth;

    /// <summary>True unless inside a <see cref="NoGrad"/> scope: ops record parents and backward functions.</summary>
    public static bool IsEnabled => noGradDepth == 0;

    /// <summary>True inside a <see cref="DetectAnomaly"/> scope.</summary>
    public static bool IsAnomalyDetectionEnabled => anomalyDepth > 0;

    /// <summary>
    /// Turns recording off until disposed: results of ops are plain values with no parents, so no graph is
    /// kept alive and no backward is possible (PyTorch's <c>torch.no_grad()</c>).
    /// </summary>
    public static IDisposable NoGrad()
    {
        noGradDepth++;
        return new Scope(() => noGradDepth--);
    }

    /// <summary>
    /// Turns anomaly detection on until disposed: every op checks its output, and every backward function
    /// the gradients it produces, and the first NaN or ±Inf throws an <see cref="AnomalyException"/> that
    /// names the op, its input shapes and where the node sits in the graph.
    /// </summary>
    public static IDisposable DetectAnomaly()
    {
        anomalyDepth++;
        return new Scope(() => anomalyDepth--);
    }

    private sealed class Scope(Action exit) : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (!disposed)
            {
                disposed = true;
                exit();
            }
        }
    }
}
