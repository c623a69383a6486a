from odoo import models


class MailRenderMixin(models.AbstractModel):
    _inherit = 'mail.render.mixin'

    def _render_field(self, field, res_ids, *args, **kwargs):
        """Expand #LINK in whatever renders for invoices: templates, send wizards, composer."""
        rendered = super()._render_field(field, res_ids, *args, **kwargs)
        if self.render_model != 'account.move':
            return rendered
        is_html = self._fields[field].type == 'html'
        moves = self.env['account.move'].browse(list(rendered))
        for move in moves:
            rendered[move.id] = move._invoicecloud_expand_shortcode(rendered[move.id], html=is_html)
        return rendered
