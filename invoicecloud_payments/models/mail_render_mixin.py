from odoo import models


class MailRenderMixin(models.AbstractModel):
    _inherit = 'mail.render.mixin'

    def _render_field(self, field, res_ids, *args, **kwargs):
        """Expand #LINK in whatever renders for invoices (templates, send wizards, composer), for
        those who may read the link: a user with the token's rights, or the system sending one of
        the business's own templates (Odoo sends the invoice after an online payment, say)."""
        rendered = super()._render_field(field, res_ids, *args, **kwargs)
        if self.render_model != 'account.move':
            return rendered
        moves = self.env['account.move'].browse(list(rendered))
        if not (moves._invoicecloud_user_may_link() or (self.env.su and self._name == 'mail.template')):
            return rendered
        is_html = self._fields[field].type == 'html'
        for move in moves:
            rendered[move.id] = move._invoicecloud_expand_shortcode(rendered[move.id], html=is_html)
        return rendered
