"""Run a scheduled action now, as Odoo's cron runner would, and commit."""


def main(env, xmlid, times=1):
    for _run in range(times):
        env.ref(xmlid).method_direct_trigger()
        env.cr.commit()
