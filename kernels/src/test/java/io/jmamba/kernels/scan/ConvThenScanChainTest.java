package io.jmamba.kernels.scan;

import io.jmamba.kernels.conv.CausalConv1d;
import io.jmamba.kernels.conv.CausalConv1dReference;
import io.jmamba.kernels.support.Target;
import io.jmamba.kernels.support.Tensor;
import io.jmamba.kernels.support.TestTensors;
import io.jmamba.kernels.support.Tolerance;
import io.jmamba.runtime.api.DataTransferMode;
import io.jmamba.runtime.api.ExecutionPlan;
import io.jmamba.runtime.api.GridScheduler;
import io.jmamba.runtime.api.TaskGraph;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The core of a Mamba-1 mixer as one task graph, the way the model layer uses the host APIs:
 * conv1d + SiLU feeds the selective scan on the device (the conv output never visits the host), and
 * the plan runs twice with the conv and SSM states kept in place, like two prefill pieces.
 */
class ConvThenScanChainTest {

    @TestFactory
    List<DynamicTest> convFeedsScanOnTheDevice() {
        return Target.all().stream().map(t -> DynamicTest.dynamicTest("two executions on " + t.name(), () -> {
            int batch = 2, dim = 4, len = 11, n = 8, width = 4;
            SplittableRandom rnd = new SplittableRandom(3);
            Tensor x = TestTensors.uniform(rnd, -1, 1, batch, dim, len);
            Tensor w = TestTensors.uniform(rnd, -1, 1, dim, width);
            Tensor bias = TestTensors.uniform(rnd, -0.5, 0.5, dim);
            Tensor delta = TestTensors.uniform(rnd, -3, 0, batch, dim, len);
            Tensor a = TestTensors.uniform(rnd, -2, -0.1, dim, n);
            Tensor bm = TestTensors.uniform(rnd, -1, 1, batch, n, len);
            Tensor cm = TestTensors.uniform(rnd, -1, 1, batch, n, len);
            Tensor dSkip = TestTensors.uniform(rnd, -1, 1, dim);
            Tensor z = TestTensors.uniform(rnd, -2, 2, batch, dim, len);
            Tensor convState = Tensor.zeros(batch, dim, width - 1);
            Tensor ssmState = Tensor.zeros(batch, dim, n);
            Tensor xc = Tensor.zeros(batch, dim, len);
            Tensor y = Tensor.zeros(batch, dim, len);

            TaskGraph g = new TaskGraph("mixer");
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, w.data(), bias.data(), a.data(), dSkip.data(),
                    convState.data(), ssmState.data());
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, x.data(), delta.data(), bm.data(), cm.data(), z.data());
            GridScheduler grids = new GridScheduler();
            CausalConv1d.forward(x, w).bias(bias).silu(true).initialStates(convState).build()
                    .addTo(g, "conv", grids, xc, convState);
            SelectiveScan.builder(xc, delta, a, bm, cm).d(dSkip).z(z).deltaSoftplus(true).initialState(ssmState)
                    .chunkLength(4).build().addTo(g, "scan", grids, y, ssmState);
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, y.data());

            // what two pieces of the same input should give: the second starts from the first's states
            var conv1 = CausalConv1dReference.forward(x, w, bias, null, true);
            var scan1 = SelectiveScanReference.forward(conv1.out(), delta, a, bm, cm, dSkip, z, null, true, null);
            var conv2 = CausalConv1dReference.forward(x, w, bias, conv1.state(), true);
            var scan2 = SelectiveScanReference.forward(conv2.out(), delta, a, bm, cm, dSkip, z, null, true, scan1.lastState());

            try (ExecutionPlan plan = new ExecutionPlan(g.snapshot())) {
                plan.withDevice(((Target.OnDevice) t).device()).withGridScheduler(grids);
                plan.execute();
                Tolerance.assertClose("first execution", scan1.out(), TestTensors.copy(y));
                plan.execute();
                Tolerance.assertClose("second execution (states carried on the device)", scan2.out(), y);
                plan.execute().transferToHost(convState.data(), ssmState.data());
            }
            var conv3 = CausalConv1dReference.forward(x, w, bias, conv2.state(), true);
            var scan3 = SelectiveScanReference.forward(conv3.out(), delta, a, bm, cm, dSkip, z, null, true, scan2.lastState());
            Tolerance.assertClose("conv state after three", conv3.state(), convState);
            Tolerance.assertClose("ssm state after three", scan3.lastState(), ssmState);
        })).toList();
    }
}
