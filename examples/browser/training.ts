// Step-by-step training of the demo's two networks in the page, interleaved so both curves grow together; stoppable and resumable.
import * as tf from '@tensorflow/tfjs-core';
import type {LayersModel} from '@tensorflow/tfjs-layers';
import * as pacc from '../../src/index';
import {DEMO_CONFIG, DEMO_NETS, demoTrainConfig} from '../shared/demo_config';
import {permutation, seedEverything} from '../shared/seed';
import {cosineLr, evaluate, makeBatch, trainStep, type Dataset, type TrainConfig} from '../shared/trainer';

export interface NetRun {
  name: string; mixer: 'pacc' | 'depthwise'; model: LayersModel; optimizer: tf.AdamOptimizer; params: number;
  /** [epoch (fractional), value] series for the charts. */
  loss: [number, number][]; acc: [number, number][];
  lastLoss: number; lastAcc: number; imagesPerSec: number; busyMs: number; seen: number;
}

export interface TrainOptions { epochs: number; batchSize: number; lr: number; seed: number; evalsPerEpoch: number; }

/** Both demo networks, built from the Node demo's config and seeded like it, trained one step each in turn. */
export class DemoTraining {
  readonly nets: NetRun[];
  readonly cfg: TrainConfig;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  step = 0;
  running = false;
  private stopRequested = false;
  private order: Int32Array = new Int32Array(0);
  private lossWindow: number[][];

  constructor(readonly trainSet: Dataset, readonly testSet: Dataset, readonly opts: TrainOptions) {
    this.cfg = demoTrainConfig({epochs: opts.epochs, batchSize: opts.batchSize, lr: opts.lr});
    this.stepsPerEpoch = Math.ceil(trainSet.count / opts.batchSize);
    this.totalSteps = this.stepsPerEpoch * opts.epochs;
    this.nets = DEMO_NETS.map(({name, mixer, modelName}) => {
      seedEverything(opts.seed);
      const model = pacc.models.paccNet({config: DEMO_CONFIG, mixer, numClasses: 10, inputShape: [32, 32, 1], name: modelName});
      return {name, mixer, model, optimizer: tf.train.adam(opts.lr, 0.9, 0.999, 1e-8), params: model.countParams(),
        loss: [], acc: [], lastLoss: NaN, lastAcc: NaN, imagesPerSec: NaN, busyMs: 0, seen: 0};
    });
    this.lossWindow = this.nets.map(() => []);
  }

  get done() { return this.step >= this.totalSteps; }
  stop() { this.stopRequested = true; }

  /** Trains until done or stopped; `onUpdate` runs after every step pair (the page redraws there). */
  async run(onUpdate: () => void): Promise<void> {
    if (this.running || this.done) return;
    this.running = true;
    this.stopRequested = false;
    const warmup = Math.round(this.cfg.warmupEpochs * this.stepsPerEpoch);
    const evalEvery = Math.max(1, Math.round(this.stepsPerEpoch / this.opts.evalsPerEpoch));
    const chartEvery = Math.max(1, Math.round(this.stepsPerEpoch / 40));
    // images/s is measured per run (the backend may have changed since a stop) and leaves out
    // the run's first step, which compiles shaders / warms up the backend.
    for (const net of this.nets) { net.busyMs = 0; net.seen = 0; net.imagesPerSec = NaN; }
    let warm = false;
    try {
      // Let the page paint (Stop enabled, status) before the first, slowest step blocks it.
      await tf.nextFrame();
      while (!this.done && !this.stopRequested) {
        const b = this.step % this.stepsPerEpoch;
        if (b === 0 || this.order.length === 0) this.order = permutation(this.trainSet.count);
        const idx = this.order.subarray(b * this.opts.batchSize, Math.min((b + 1) * this.opts.batchSize, this.trainSet.count));
        const lr = cosineLr(this.cfg.lr, this.step, warmup, this.totalSteps);
        for (const [k, net] of this.nets.entries()) {
          // Yield between the two nets too: the page only handles input (Stop) between steps.
          if (k > 0) await tf.nextFrame();
          const t0 = performance.now();
          const {loss} = trainStep(net.model, net.optimizer, makeBatch(this.trainSet, idx, this.cfg.size), this.cfg, lr);
          if (warm) {
            net.busyMs += performance.now() - t0;
            net.seen += idx.length;
            net.imagesPerSec = net.seen / (net.busyMs / 1000);
          }
          net.lastLoss = loss;
          this.lossWindow[k].push(loss);
        }
        this.step++;
        warm = true;
        const epoch = this.step / this.stepsPerEpoch;
        if (this.step % chartEvery === 0 || this.done) {
          this.nets.forEach((net, k) => {
            const w = this.lossWindow[k];
            net.loss.push([epoch, w.reduce((a, v) => a + v, 0) / w.length]);
            this.lossWindow[k] = [];
          });
        }
        if (this.step % evalEvery === 0 || this.done) this.evaluateAll(epoch);
        onUpdate();
        await tf.nextFrame();
      }
    } finally {
      this.running = false;
    }
  }

  /** Test accuracy of both nets now (also used when stopped early). */
  evaluateAll(epoch = this.step / this.stepsPerEpoch) {
    for (const net of this.nets) {
      net.lastAcc = evaluate(net.model, this.testSet, this.cfg.size, 100).acc;
      net.acc.push([epoch, net.lastAcc]);
    }
  }

  dispose() { for (const n of this.nets) { n.model.dispose(); n.optimizer.dispose(); } }
}
