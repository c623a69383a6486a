"""Set a system parameter of a running shop. The workers cache system parameters: the change is
signaled to them, as a request that changes one would."""


def main(env, key, value):
    env['ir.config_parameter'].set_param(key, value)
    env.cr.commit()
    env.registry.signal_changes()
