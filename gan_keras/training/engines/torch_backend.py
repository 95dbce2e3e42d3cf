"""The compiled engine's parts on PyTorch: stateful and eager, as Keras' own PyTorch trainer."""

import torch
from keras import ops, tree

from gan_keras.training.engines.backends import Backend, _compiled_loss, index


class Torch(Backend):
    """Stateful and eager, as Keras' own PyTorch trainer (gradients by `torch.autograd.grad`)."""

    def update(self, state, model, optimizer, x, y, sample_weight):
        with torch.enable_grad():
            y_pred = model(x, training=True)
            loss, parts = _compiled_loss(model, y, y_pred, sample_weight, model.losses)
            variables = model.trainable_variables
            grads = torch.autograd.grad(optimizer.scale_loss(loss), [v.value for v in variables])
        with torch.no_grad():
            optimizer.apply(list(grads), variables)
        return state, loss.detach(), [part.detach() for part in parts], tree.map_structure(lambda t: t.detach(), y_pred)

    def loop(self, fn, carry, xs, count, shapes):
        return self.scan(fn, carry, xs, tuple(shapes))

    def scan(self, fn, carry, xs, names):
        n = len(tree.flatten(xs)[0])
        collected = []
        for i in range(n):
            carry, outputs = fn(carry, index(xs, i))
            collected.append(outputs)
        return carry, {name: torch.stack([ops.convert_to_tensor(o[name], "float32") for o in collected])
                       for name in names}

    def compile(self, fn, distribution=None, jit_compile=False):
        def call(blocks, count):
            blocks = tree.map_structure(ops.convert_to_tensor, blocks)
            with torch.no_grad():
                _, outputs = fn(0, blocks, count)
            return outputs

        return call


BACKEND = Torch
