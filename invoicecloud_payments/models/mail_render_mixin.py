from odoo import models


class MailRenderMixin(models.AbstractModel):
    _inherit = 'mail.render.mixin'

    def _render_field(self, field, res_ids, *args, **kwargs):
        """Expand #LINK in whatever renders for invoices (templates, send wizards, composer), when
        the user rendering it may read the link. Whoever's rights the code runs with: Odoo's
        composer renders templates as superuser for users who may not edit them."""
        rendered = super()._render_field(field, res_ids, *args, **kwargs)
        if self.render_model != 'account.move' or not self.env['account.move']._invoicecloud_user_may_link():
            return rendered
        is_html = self._fields[field].type == 'html'
        for move in self.env['account.move'].browse(list(rendered)):
            rendered[move.id] = move._invoicecloud_expand_shortcode(rendered[move.id], html=is_html)
        return rendered
